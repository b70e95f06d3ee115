// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The JSON writer: separators, indentation, escaping, misuse detection.
 * Expected texts are written out by hand here.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kbtf/json.h"

struct capture {
	char *text;
	size_t len;
	FILE *f;
	struct kbtf_json *j;
};

static void cap_open(struct capture *c, bool pretty)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->text, &c->len);
	assert_non_null(c->f);
	c->j = kbtf_json_new(c->f, pretty);
	assert_non_null(c->j);
}

/* Returns kbtf_json_free's verdict; the text stays in c->text. */
static int cap_close(struct capture *c)
{
	int err = kbtf_json_free(c->j);

	fclose(c->f);
	return err;
}

static void test_compact_nesting(void **state)
{
	struct capture c;

	cap_open(&c, false);
	kbtf_json_object_start(c.j);
	kbtf_json_kv_string(c.j, "name", "vmlinux");
	kbtf_json_kv_uint(c.j, "types", 123456);
	kbtf_json_kv_int(c.j, "delta", -3);
	kbtf_json_kv_bool(c.j, "split", false);
	kbtf_json_kv_null(c.j, "release");
	kbtf_json_kv_array(c.j, "empty");
	kbtf_json_array_end(c.j);
	kbtf_json_kv_object(c.j, "none");
	kbtf_json_object_end(c.j);
	kbtf_json_kv_array(c.j, "list");
	kbtf_json_uint(c.j, 1);
	kbtf_json_string(c.j, NULL);
	kbtf_json_object_start(c.j);
	kbtf_json_kv_bool(c.j, "x", true);
	kbtf_json_object_end(c.j);
	kbtf_json_array_end(c.j);
	kbtf_json_object_end(c.j);
	assert_int_equal(cap_close(&c), 0);
	assert_string_equal(
	    c.text, "{\"name\":\"vmlinux\",\"types\":123456,\"delta\":-3,\"split\":false,"
		    "\"release\":null,\"empty\":[],\"none\":{},\"list\":[1,null,{\"x\":true}]}\n");
	free(c.text);
}

static void test_pretty(void **state)
{
	struct capture c;

	cap_open(&c, true);
	kbtf_json_object_start(c.j);
	kbtf_json_kv_uint(c.j, "a", 1);
	kbtf_json_kv_array(c.j, "b");
	kbtf_json_uint(c.j, 2);
	kbtf_json_uint(c.j, 3);
	kbtf_json_array_end(c.j);
	kbtf_json_kv_object(c.j, "c");
	kbtf_json_object_end(c.j);
	kbtf_json_object_end(c.j);
	assert_int_equal(cap_close(&c), 0);
	assert_string_equal(c.text, "{\n"
				    "  \"a\": 1,\n"
				    "  \"b\": [\n"
				    "    2,\n"
				    "    3\n"
				    "  ],\n"
				    "  \"c\": {}\n"
				    "}\n");
	free(c.text);
}

static void test_escaping(void **state)
{
	static const char raw[] = "q\"b\\n\nt\tc\x01\x1f"
				  "d\x7f"
				  "e\xc3\xa9"
				  "f\xff"
				  "g\xe2\x82";
	struct capture c;

	cap_open(&c, false);
	kbtf_json_string_len(c.j, raw, sizeof(raw) - 1);
	kbtf_json_stringf(c.j, "%s-%d", "v", 7);
	assert_int_equal(cap_close(&c), 0);
	/* é passes through; 0xff and the cut-off 3-byte sequence become U+FFFD */
	assert_string_equal(c.text, "\"q\\\"b\\\\n\\nt\\tc\\u0001\\u001fd\\u007fe\xc3\xa9"
				    "f\\ufffdg\\ufffd\\ufffd\"\n\"v-7\"\n");
	free(c.text);
}

static void test_overlong_and_surrogate(void **state)
{
	/* C0 80 is an overlong NUL, ED A0 80 a UTF-16 surrogate: both invalid */
	static const char raw[] = "\xc0\x80\xed\xa0\x80\xf0\x9f\x98\x80";
	struct capture c;

	cap_open(&c, false);
	kbtf_json_string_len(c.j, raw, sizeof(raw) - 1);
	assert_int_equal(cap_close(&c), 0);
	assert_string_equal(c.text, "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\xf0\x9f\x98\x80\"\n");
	free(c.text);
}

static void test_long_formatted_string(void **state)
{
	char want[1024];
	struct capture c;

	memset(want, 'a', 600);
	want[600] = '\0';
	cap_open(&c, false);
	kbtf_json_stringf(c.j, "%s", want);
	assert_int_equal(cap_close(&c), 0);
	assert_int_equal(strlen(c.text), 603);
	free(c.text);
}

static void test_misuse_reported(void **state)
{
	struct capture c;

	/* value inside an object without a key */
	cap_open(&c, false);
	kbtf_json_object_start(c.j);
	kbtf_json_uint(c.j, 1);
	kbtf_json_object_end(c.j);
	assert_int_equal(cap_close(&c), -EINVAL);
	free(c.text);

	/* unbalanced */
	cap_open(&c, false);
	kbtf_json_array_start(c.j);
	assert_int_equal(cap_close(&c), -EINVAL);
	free(c.text);

	/* wrong closer */
	cap_open(&c, false);
	kbtf_json_array_start(c.j);
	kbtf_json_object_end(c.j);
	kbtf_json_array_end(c.j);
	assert_int_equal(cap_close(&c), -EINVAL);
	free(c.text);

	/* key outside an object */
	cap_open(&c, false);
	kbtf_json_array_start(c.j);
	kbtf_json_key(c.j, "k");
	kbtf_json_uint(c.j, 1);
	kbtf_json_array_end(c.j);
	assert_int_equal(cap_close(&c), -EINVAL);
	free(c.text);

	assert_int_equal(kbtf_json_free(NULL), 0);
}

static void test_too_deep(void **state)
{
	struct capture c;
	int i;

	cap_open(&c, false);
	for (i = 0; i < 100; i++)
		kbtf_json_array_start(c.j);
	for (i = 0; i < 100; i++)
		kbtf_json_array_end(c.j);
	assert_int_equal(cap_close(&c), -EINVAL);
	free(c.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_compact_nesting),
	    cmocka_unit_test(test_pretty),
	    cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_overlong_and_surrogate),
	    cmocka_unit_test(test_long_formatted_string),
	    cmocka_unit_test(test_misuse_reported),
	    cmocka_unit_test(test_too_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
