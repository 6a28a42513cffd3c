/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#ifndef XN_PATH_H
#define XN_PATH_H

#include "xn_core.h"

/* Reads PATH as a link from a page: every %XX escape is decoded and "." and
 * ".." segments are resolved, as a browser does. Without it PATH is read as
 * httpd's r->uri: only %2F and %5C are decoded, because httpd has decoded the
 * rest already and a second pass would decide on another path than the one
 * served, and a "." or ".." segment is rejected, because httpd has resolved
 * the real ones and any left over would name another file than httpd serves. */
#define XN_PATH_DECODE_ALL 0x01

/* Normalises a URL path for rule matching and stores it in *out.
 *
 * The result starts with '/', has no empty, "." or ".." segments, no
 * backslashes (read as '/'), no ";parameters" inside a segment and no
 * trailing dots or spaces on a segment (Windows and Tomcat backends ignore
 * both). A ';' starts the parameters whether it was written as is or decoded,
 * because httpd has decoded r->uri the same way. A trailing slash is kept.
 * The query string must already be cut off. The result takes one allocation
 * from P and the work is linear in the length of PATH.
 *
 * Returns APR_EINVAL for a path that is not absolute, contains a NUL, a
 * control character (raw, or decoded with XN_PATH_DECODE_ALL) or a malformed
 * escape, or climbs above the root. A segment made only of dots and spaces
 * other than "." and ".." (such as "..." or ".. ") is rejected too, because
 * servers resolve it in different ways. In both modes a "."
 * or ".." that appears only once ";parameters" are dropped ("..;x") is
 * rejected. The caller must treat such a path as denied.
 *
 * May be called from any thread. */
apr_status_t xn_path_normalize(const char **out, apr_pool_t *p,
                               const char *path, int flags);

#endif
