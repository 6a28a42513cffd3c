/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include <apr_cstr.h>
#include <apr_strings.h>

#include "xn_roles.h"

#define XN_ROLE_NAME_MAX 64

typedef struct group_roles {
    const char *dn;
    xn_roleset_t roles;
} group_roles;

struct xn_rolemap {
    apr_pool_t *pool;
    int count;
    const char *names[XN_ROLES_MAX];
    apr_array_header_t *groups;          /* group_roles */
};

xn_rolemap *xn_rolemap_create(apr_pool_t *p)
{
    xn_rolemap *map = apr_pcalloc(p, sizeof(*map));

    map->pool = p;
    map->groups = apr_array_make(p, 8, sizeof(group_roles));
    return map;
}

static int name_valid(const char *name)
{
    apr_size_t i, len = name ? strlen(name) : 0;

    if (len == 0 || len > XN_ROLE_NAME_MAX) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

/* Returns the index of NAME, declaring it when new, or -1 with *err set. */
static int declare_role(xn_rolemap *map, const char *name, const char **err)
{
    int index;

    if (!name_valid(name)) {
        *err = apr_psprintf(map->pool, "role name \"%s\" is invalid: use 1 "
                            "to %d letters, digits, '_' or '-'",
                            name ? name : "", XN_ROLE_NAME_MAX);
        return -1;
    }
    if (apr_cstr_casecmp(name, "public") == 0
        || apr_cstr_casecmp(name, "deny") == 0) {
        *err = apr_psprintf(map->pool, "role name \"%s\" is reserved", name);
        return -1;
    }

    index = xn_rolemap_index(map, name);
    if (index >= 0) {
        return index;
    }
    if (map->count == XN_ROLES_MAX) {
        *err = apr_psprintf(map->pool, "cannot declare role \"%s\": at most "
                            "%d roles are supported", name, XN_ROLES_MAX);
        return -1;
    }
    map->names[map->count] = apr_pstrdup(map->pool, name);
    return map->count++;
}

apr_status_t xn_rolemap_add(xn_rolemap *map, const char *name,
                            const char *group_dn, const char **err)
{
    xn_roleset_t bit;
    group_roles *g;
    int i, index = declare_role(map, name, err);

    if (index < 0) {
        return APR_EINVAL;
    }
    if (group_dn == NULL) {
        return APR_SUCCESS;
    }
    if (*group_dn == '\0') {
        *err = apr_psprintf(map->pool, "role \"%s\": group DN is empty", name);
        return APR_EINVAL;
    }

    bit = (xn_roleset_t)1 << index;
    for (i = 0; i < map->groups->nelts; i++) {
        g = &APR_ARRAY_IDX(map->groups, i, group_roles);
        if (apr_cstr_casecmp(g->dn, group_dn) == 0) {
            g->roles |= bit;
            return APR_SUCCESS;
        }
    }

    g = apr_array_push(map->groups);
    g->dn = apr_pstrdup(map->pool, group_dn);
    g->roles = bit;
    return APR_SUCCESS;
}

int xn_rolemap_count(const xn_rolemap *map)
{
    return map->count;
}

int xn_rolemap_index(const xn_rolemap *map, const char *name)
{
    int i;

    if (name == NULL) {
        return -1;
    }
    for (i = 0; i < map->count; i++) {
        if (apr_cstr_casecmp(map->names[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

const char *xn_rolemap_name(const xn_rolemap *map, int index)
{
    if (index < 0 || index >= map->count) {
        return NULL;
    }
    return map->names[index];
}

xn_roleset_t xn_rolemap_resolve(const xn_rolemap *map,
                                const apr_array_header_t *group_dns)
{
    xn_roleset_t set = 0;
    int i, j;

    for (i = 0; group_dns != NULL && i < group_dns->nelts; i++) {
        const char *dn = APR_ARRAY_IDX(group_dns, i, const char *);
        for (j = 0; dn != NULL && j < map->groups->nelts; j++) {
            const group_roles *g = &APR_ARRAY_IDX(map->groups, j, group_roles);
            if (apr_cstr_casecmp(g->dn, dn) == 0) {
                set |= g->roles;
            }
        }
    }
    return set;
}

const char *xn_roleset_format(apr_pool_t *p, const xn_rolemap *map,
                              xn_roleset_t set, char sep)
{
    apr_array_header_t *names = apr_array_make(p, 4, sizeof(const char *));
    int i;

    for (i = 0; i < map->count; i++) {
        if (set & ((xn_roleset_t)1 << i)) {
            APR_ARRAY_PUSH(names, const char *) = map->names[i];
        }
    }
    return apr_array_pstrcat(p, names, sep);
}

xn_roleset_t xn_roleset_parse(const xn_rolemap *map, const char *names,
                              char sep)
{
    xn_roleset_t set = 0;
    const char *s = names, *end;
    char name[XN_ROLE_NAME_MAX + 1];

    while (s != NULL && *s != '\0') {
        apr_size_t len;

        end = strchr(s, sep);
        len = end ? (apr_size_t)(end - s) : strlen(s);
        if (len > 0 && len <= XN_ROLE_NAME_MAX) {
            memcpy(name, s, len);
            name[len] = '\0';
            int index = xn_rolemap_index(map, name);
            if (index >= 0) {
                set |= (xn_roleset_t)1 << index;
            }
        }
        s = end ? end + 1 : NULL;
    }
    return set;
}
