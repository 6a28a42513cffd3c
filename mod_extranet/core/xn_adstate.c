/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "xn_adstate.h"

#define UAC_ACCOUNTDISABLE       0x2
#define UAC_LOCKOUT              0x10
#define UAC_PASSWORD_EXPIRED     0x800000

/* Seconds from 1601-01-01 to 1970-01-01. */
#define FILETIME_UNIX_OFFSET     APR_INT64_C(11644473600)

typedef struct xn_subcode {
    const char *code;
    xn_adstate_e state;
} xn_subcode;

static const xn_subcode subcodes[] = {
    { "52e", XN_ADSTATE_BAD_PASSWORD },
    { "525", XN_ADSTATE_NO_SUCH_USER },
    { "530", XN_ADSTATE_LOGON_HOURS },
    { "531", XN_ADSTATE_WORKSTATION },
    { "532", XN_ADSTATE_PASSWORD_EXPIRED },
    { "533", XN_ADSTATE_DISABLED },
    { "701", XN_ADSTATE_ACCOUNT_EXPIRED },
    { "773", XN_ADSTATE_MUST_CHANGE },
    { "775", XN_ADSTATE_LOCKED },
};

xn_adstate_e xn_adstate_from_bind_message(const char *message)
{
    const char *data;
    apr_size_t len = 0;
    apr_size_t i;

    data = message ? strstr(message, "data ") : NULL;
    if (!data) {
        return XN_ADSTATE_BAD_PASSWORD;
    }
    data += 5;
    while (apr_isxdigit(data[len])) {
        len++;
    }
    for (i = 0; i < sizeof(subcodes) / sizeof(subcodes[0]); i++) {
        if (len == strlen(subcodes[i].code)
            && !strncasecmp(data, subcodes[i].code, len)) {
            return subcodes[i].state;
        }
    }
    return XN_ADSTATE_BAD_PASSWORD;
}

/* Parses a decimal attribute value. An absent or malformed one gives DEF. */
static apr_int64_t parse_number(const char *value, apr_int64_t def)
{
    char *end = NULL;
    apr_int64_t n;

    if (!value || !*value) {
        return def;
    }
    errno = 0;
    n = apr_strtoi64(value, &end, 10);
    return (*end || errno == ERANGE) ? def : n;
}

apr_int64_t xn_adstate_filetime(apr_time_t t)
{
    return (apr_time_sec(t) + FILETIME_UNIX_OFFSET) * 10000000
           + apr_time_usec(t) * 10;
}

xn_adstate_e xn_adstate_from_entry(const char *user_account_control,
                                   const char *computed_control,
                                   const char *account_expires,
                                   const char *pwd_last_set,
                                   apr_int64_t now)
{
    apr_int64_t uac = parse_number(user_account_control, 0);
    apr_int64_t computed = parse_number(computed_control, 0);
    apr_int64_t expires = parse_number(account_expires, 0);

    if (uac & UAC_ACCOUNTDISABLE) {
        return XN_ADSTATE_DISABLED;
    }
    if ((uac | computed) & UAC_LOCKOUT) {
        return XN_ADSTATE_LOCKED;
    }
    /* 0 and 0x7FFFFFFFFFFFFFFF both mean "never expires". */
    if (expires > 0 && expires != APR_INT64_MAX && expires <= now) {
        return XN_ADSTATE_ACCOUNT_EXPIRED;
    }
    if (pwd_last_set && parse_number(pwd_last_set, -1) == 0) {
        return XN_ADSTATE_MUST_CHANGE;
    }
    if (computed & UAC_PASSWORD_EXPIRED) {
        return XN_ADSTATE_PASSWORD_EXPIRED;
    }
    return XN_ADSTATE_OK;
}

const char *xn_adstate_reason(xn_adstate_e state)
{
    switch (state) {
    case XN_ADSTATE_OK:               return "ok";
    case XN_ADSTATE_BAD_PASSWORD:     return "bad_password";
    case XN_ADSTATE_NO_SUCH_USER:     return "unknown_user";
    case XN_ADSTATE_LOGON_HOURS:      return "logon_hours";
    case XN_ADSTATE_WORKSTATION:      return "workstation_restricted";
    case XN_ADSTATE_PASSWORD_EXPIRED: return "password_expired";
    case XN_ADSTATE_DISABLED:         return "account_disabled";
    case XN_ADSTATE_ACCOUNT_EXPIRED:  return "account_expired";
    case XN_ADSTATE_MUST_CHANGE:      return "password_must_change";
    case XN_ADSTATE_LOCKED:           return "account_locked";
    }
    return "unknown";
}
