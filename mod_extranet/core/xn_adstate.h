/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* Active Directory account state: the sub-code of a failed bind and the
 * state attributes of a user entry. Any thread. */

#ifndef XN_ADSTATE_H
#define XN_ADSTATE_H

#include "xn_core.h"

typedef enum {
    XN_ADSTATE_OK = 0,
    XN_ADSTATE_BAD_PASSWORD,         /* data 52e, or no sub-code */
    XN_ADSTATE_NO_SUCH_USER,         /* data 525 */
    XN_ADSTATE_LOGON_HOURS,          /* data 530 */
    XN_ADSTATE_WORKSTATION,          /* data 531 */
    XN_ADSTATE_PASSWORD_EXPIRED,     /* data 532, computed control 0x800000 */
    XN_ADSTATE_DISABLED,             /* data 533, userAccountControl 0x2 */
    XN_ADSTATE_ACCOUNT_EXPIRED,      /* data 701, accountExpires passed */
    XN_ADSTATE_MUST_CHANGE,          /* data 773, pwdLastSet 0 */
    XN_ADSTATE_LOCKED                /* data 775, computed control 0x10 */
} xn_adstate_e;

/* Maps the "data XXX" sub-code in the diagnostic message of a failed AD
 * bind, such as "80090308: LdapErr: DSID-0C09030B, comment:
 * AcceptSecurityContext error, data 533, v893". MESSAGE may be NULL.
 * Returns XN_ADSTATE_BAD_PASSWORD for 52e, an unknown code or no code. */
xn_adstate_e xn_adstate_from_bind_message(const char *message);

/* Derives the state of an AD entry from the decimal values of its
 * userAccountControl, msDS-User-Account-Control-Computed, accountExpires
 * and pwdLastSet attributes (each NULL when absent). NOW is the current
 * time as a Windows FILETIME: 100 ns units since 1601-01-01 UTC. */
xn_adstate_e xn_adstate_from_entry(const char *user_account_control,
                                   const char *computed_control,
                                   const char *account_expires,
                                   const char *pwd_last_set,
                                   apr_int64_t now);

/* Converts an APR time to a Windows FILETIME. */
apr_int64_t xn_adstate_filetime(apr_time_t t);

/* Returns the stable audit reason of STATE ("account_disabled", ...). */
const char *xn_adstate_reason(xn_adstate_e state);

#endif
