/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#ifndef XN_ROLES_H
#define XN_ROLES_H

#include "xn_core.h"

/* Role names and the directory groups that grant them. Built at config time,
 * read-only afterwards, so the lookups may be called from any thread. Group
 * DNs are compared case-insensitively (ASCII), so callers pass them
 * normalised (ldap_dn_normalize) to make spacing irrelevant. Role names are
 * 1 to 64 characters of [A-Za-z0-9_-] and are also compared
 * case-insensitively: "Raad" and "raad" are one role. */
typedef struct xn_rolemap xn_rolemap;

xn_rolemap *xn_rolemap_create(apr_pool_t *p);

/* Declares role NAME if new and maps GROUP_DN (may be NULL) to it. A group
 * may grant several roles. Rejects an invalid name, a reserved name
 * ("public", "deny", in any case), an empty GROUP_DN and a 65th role with
 * APR_EINVAL and a message in *err. Config time only. */
apr_status_t xn_rolemap_add(xn_rolemap *map, const char *name,
                            const char *group_dn, const char **err);

int xn_rolemap_count(const xn_rolemap *map);

/* Returns the index of role NAME, or -1 when it is not declared. */
int xn_rolemap_index(const xn_rolemap *map, const char *name);

const char *xn_rolemap_name(const xn_rolemap *map, int index);

/* Returns the roles granted by any of GROUP_DNS (an array of const char *). */
xn_roleset_t xn_rolemap_resolve(const xn_rolemap *map,
                                const apr_array_header_t *group_dns);

/* Formats SET as role names joined by SEP, in declaration order; "" when empty. */
const char *xn_roleset_format(apr_pool_t *p, const xn_rolemap *map,
                              xn_roleset_t set, char sep);

/* Parses names joined by SEP back into a set. Unknown names are skipped, so a
 * role removed from the config drops out of existing sessions. */
xn_roleset_t xn_roleset_parse(const xn_rolemap *map, const char *names, char sep);

#endif
