/* Licensed under the Apache License, Version 2.0. See LICENSE. */

#include <string.h>

#include "unit.h"
#include "xn_templates.h"

static xn_template *parse(const char *text, xn_template_var_e required,
                          const char **err)
{
    xn_template *t = NULL;

    *err = NULL;
    if (xn_template_parse(&t, test_pool, "login.nl.html", text, strlen(text),
                          required, err) != APR_SUCCESS) {
        return NULL;
    }
    return t;
}

START_TEST(template_render)
{
    const char *err = NULL;
    xn_template *t = parse("<h1>{{title}}</h1>{{form}}<p>{{help}}</p>{{lang}}",
                           XN_VAR_FORM, &err);
    const char *values[XN_VARS] = { NULL };

    ck_assert_ptr_nonnull(t);
    values[XN_VAR_TITLE] = "Aanmelden";
    values[XN_VAR_FORM] = "<form></form>";
    values[XN_VAR_LANG] = "nl";
    ck_assert_str_eq(xn_template_render(test_pool, t, values),
                     "<h1>Aanmelden</h1><form></form><p></p>nl");
}
END_TEST

START_TEST(template_text_only_after_last)
{
    const char *err = NULL;
    xn_template *t = parse("{{message}} tail {", XN_VAR_MESSAGE, &err);
    const char *values[XN_VARS] = { NULL };

    ck_assert_ptr_nonnull(t);
    values[XN_VAR_MESSAGE] = "m";
    ck_assert_str_eq(xn_template_render(test_pool, t, values), "m tail {");
}
END_TEST

typedef struct reject_case {
    const char *label;
    const char *text;
    xn_template_var_e required;
    const char *message_part;
} reject_case;

static const reject_case rejects[] = {
    { "missing form",       "<p>{{message}}</p>", XN_VAR_FORM, "{{form}} is missing" },
    { "missing message",    "<p>{{title}}</p>",   XN_VAR_MESSAGE, "{{message}} is missing" },
    { "unknown name",       "{{form}}{{formm}}",  XN_VAR_FORM, "unknown placeholder {{formm}}" },
    { "unclosed",           "{{form}}{{title",    XN_VAR_FORM, "unclosed placeholder" },
    { "invalid utf-8",      "{{form}}\xff",       XN_VAR_FORM, "not valid UTF-8" },
    { "space inside",       "{{ form }}",         XN_VAR_FORM, "unknown placeholder" },
};

START_TEST(template_rejects)
{
    const reject_case *c = &rejects[_i];
    const char *err = NULL;

    ck_assert_msg(parse(c->text, c->required, &err) == NULL, "%s: accepted",
                  c->label);
    ck_assert_msg(err && strstr(err, "login.nl.html"), "%s: %s", c->label,
                  err ? err : "(no message)");
    ck_assert_msg(strstr(err, c->message_part), "%s: %s", c->label, err);
}
END_TEST

START_TEST(templates_get_unknown)
{
    ck_assert_ptr_null(xn_templates_get(NULL, 0, "nl"));
}
END_TEST

Suite *templates_suite(void)
{
    Suite *s = suite_create("templates");
    TCase *tc = tcase_create("core");

    unit_add_pool_fixture(tc);
    tcase_add_test(tc, template_render);
    tcase_add_test(tc, template_text_only_after_last);
    tcase_add_loop_test(tc, template_rejects, 0, XN_COUNT(rejects));
    tcase_add_test(tc, templates_get_unknown);
    suite_add_tcase(s, tc);
    return s;
}
