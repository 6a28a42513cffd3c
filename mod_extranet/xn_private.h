/* Licensed under the Apache License, Version 2.0. See LICENSE. */

/* Declarations shared by the httpd glue files of mod_extranet. Including this
 * header makes every ap_log_*error() call in the file log under the module's
 * name, so "LogLevel extranet:debug" works for all of them. */

#ifndef XN_PRIVATE_H
#define XN_PRIVATE_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "xn_core.h"

/* Log message tags of this module: "XN0101: " and so on. httpd's AHnnnnn
 * numbers belong to httpd itself. */
#define XNLOGNO(n) "XN" #n ": "

#define XN_AUTH_TYPE "Extranet"
#define XN_AUTHN_PROVIDER "extranet"

extern module AP_MODULE_DECLARE_DATA extranet_module;

/* mod_extranet.c gets the same declaration from AP_DECLARE_MODULE. */
#ifndef XN_MODULE_FILE
APLOG_USE_MODULE(extranet);
#endif

#endif
