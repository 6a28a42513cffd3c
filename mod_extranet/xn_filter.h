/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* The HTML link filter: an output filter that removes, from text/html and
 * XHTML responses, the links to pages the user may not open and the blocks
 * marked for roles the user lacks (xn_html.h does the rewriting). The
 * directive handlers run at config time, the hooks and the filter on
 * request threads. */

#ifndef XN_FILTER_H
#define XN_FILTER_H

#include "xn_private.h"

const char *xn_filter_set_enabled(cmd_parms *cmd, void *dconf, int flag);
const char *xn_filter_set_removal(cmd_parms *cmd, void *dconf,
                                  const char *arg);
const char *xn_filter_set_role_attribute(cmd_parms *cmd, void *dconf,
                                         const char *arg);

/* Registers the filter and its insert_filter and fixups hooks. */
void xn_filter_register(apr_pool_t *p);

#endif
