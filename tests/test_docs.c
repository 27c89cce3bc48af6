/*
 * test_docs.c - the manual's generated tables are what the table says.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "isa_doc.h"

static void test_isa_md_tables_current(void)
{
    uint8_t *buf;
    size_t len;
    char err[300];
    CU_ASSERT_FATAL(file_read("docs/isa.md", &buf, &len, err, sizeof err));
    char *text = malloc(len + 1);
    memcpy(text, buf, len);
    text[len] = '\0';
    free(buf);
    char *fresh = isa_doc_update(text, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fresh);
    if (strcmp(fresh, text) != 0)
        fprintf(stderr, "\ndocs/isa.md is out of date with the instruction table: run `make docs`\n");
    CU_ASSERT_STRING_EQUAL(fresh, text);
    /* every table is in the manual */
    size_t n;
    const struct isa_doc_table *t = isa_doc_tables(&n);
    for (size_t i = 0; i < n; i++) {
        char mark[80];
        snprintf(mark, sizeof mark, "<!-- visa %s -->", t[i].name);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, mark));
    }
    free(fresh);
    free(text);
}

static void test_update_errors(void)
{
    char err[200];
    CU_ASSERT_PTR_NULL(isa_doc_update("x\n<!-- visa nosuch -->\n<!-- /visa -->\n", err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "unknown table 'nosuch'");
    CU_ASSERT_PTR_NULL(isa_doc_update("<!-- visa opcodes -->\nno end\n", err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "table 'opcodes' has no closing marker");
}

void suite_docs(void)
{
    CU_pSuite s = CU_add_suite("docs", NULL, NULL);
    CU_add_test(s, "docs/isa.md tables match the instruction table", test_isa_md_tables_current);
    CU_add_test(s, "visa --update reports bad markers", test_update_errors);
}
