// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reading the guest's report back from the serial console. The boot-test
 * /init (boottest_initramfs.c) and the loader print, one per line:
 *
 *   KBTF-BOOT release=<uname -r> uptime=<seconds>
 *   KBTF-BEGIN name=<module> kind=test|dep
 *   KBTF-LOAD name=<module> rc=<0|-1> errno=<n> err=<ENAME> msg=<text>
 *   KBTF-BTF name=<module> present|absent
 *   KBTF-LOG name=<module> <one kernel log line from this load>
 *   KBTF-END name=<module>
 *   KBTF-DONE
 *
 * Everything else on the console (the kernel's boot messages) is skipped,
 * except panic and oops lines, which are kept to explain a cut-off boot.
 * A marker may sit after stray bytes on its line (terminal escapes, a
 * kernel message without newline), so it is searched, not anchored.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boottest.h"
#include "kbtf/err.h"

const char *kbtf_bt_boot_status_str(enum kbtf_bt_boot_status s)
{
	switch (s) {
	case KBTF_BT_BOOT_OK:
		return "ok";
	case KBTF_BT_BOOT_NO_INIT:
		return "no-init";
	case KBTF_BT_BOOT_CUT:
		return "cut-off";
	case KBTF_BT_BOOT_QEMU:
		return "qemu-failed";
	case KBTF_BT_BOOT_SKIPPED:
		return "skipped";
	}
	return "?";
}

/* Value of "key=" in @line up to the next space (or end), copied to @buf. */
static bool field(const char *line, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = line;
	size_t n;

	while ((p = strstr(p, key))) {
		if ((p == line || p[-1] == ' ') && p[klen] == '=')
			break;
		p += klen;
	}
	if (!p || !len)
		return false;
	p += klen + 1;
	n = strcspn(p, " ");
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return true;
}

static struct kbtf_bt_obs *obs_get(struct kbtf_bt_boot *b, const char *name)
{
	struct kbtf_bt_obs *o;

	o = (struct kbtf_bt_obs *)kbtf_bt_boot_find(b, name);
	if (o)
		return o;
	o = realloc(b->obs, (b->nr_obs + 1) * sizeof(*o));
	if (!o)
		return NULL;
	b->obs = o;
	o = &b->obs[b->nr_obs];
	memset(o, 0, sizeof(*o));
	o->btf = -1;
	o->name = strdup(name);
	if (!o->name)
		return NULL;
	b->nr_obs++;
	return o;
}

static int obs_log(struct kbtf_bt_obs *o, const char *text)
{
	char **l = realloc(o->log, (o->nr_log + 1) * sizeof(*l));

	if (!l)
		return -ENOMEM;
	o->log = l;
	l[o->nr_log] = strdup(text);
	if (!l[o->nr_log])
		return -ENOMEM;
	o->nr_log++;
	return 0;
}

static int on_load(struct kbtf_bt_obs *o, const char *line)
{
	char v[64];

	o->result = true;
	o->rc = field(line, "rc", v, sizeof(v)) ? atoi(v) : -1;
	o->err = field(line, "errno", v, sizeof(v)) ? atoi(v) : 0;
	if (!field(line, "err", o->errname, sizeof(o->errname)))
		snprintf(o->errname, sizeof(o->errname), "%d", o->err);
	return 0;
}

/* One KBTF- marker line (@m points at "KBTF-"). */
static int on_marker(struct kbtf_bt_boot *b, const char *m, bool *done)
{
	struct kbtf_bt_obs *o;
	char name[64], v[64];

	if (!strncmp(m, "KBTF-DONE", 9)) {
		*done = true;
		return 0;
	}
	if (!strncmp(m, "KBTF-BOOT ", 10)) {
		if (field(m, "release", v, sizeof(v)) && !b->release)
			b->release = strdup(v);
		if (field(m, "uptime", v, sizeof(v)))
			b->init_uptime = strtod(v, NULL);
		return 0;
	}
	if (!field(m, "name", name, sizeof(name)))
		return 0;
	o = obs_get(b, name);
	if (!o)
		return -ENOMEM;
	if (!strncmp(m, "KBTF-BEGIN ", 11)) {
		o->started = true;
		o->is_dep = field(m, "kind", v, sizeof(v)) && !strcmp(v, "dep");
	} else if (!strncmp(m, "KBTF-LOAD ", 10)) {
		return on_load(o, m);
	} else if (!strncmp(m, "KBTF-BTF ", 9)) {
		o->btf = strstr(m + 9, " present") ? 1 : strstr(m + 9, " absent") ? 0 : -1;
	} else if (!strncmp(m, "KBTF-LOG ", 9)) {
		const char *text = strstr(m, "name=");

		text += 5 + strlen(name);
		if (*text == ' ')
			text++;
		return obs_log(o, text);
	}
	return 0;
}

static bool is_panic_line(const char *l)
{
	return strstr(l, "Kernel panic") || strstr(l, "BUG: ") || strstr(l, "Oops: ") ||
	       strstr(l, "general protection fault");
}

static int on_line(struct kbtf_bt_boot *b, char *line, bool *booted, bool *done)
{
	char *m = strstr(line, "KBTF-");

	if (m) {
		if (!strncmp(m, "KBTF-BOOT ", 10))
			*booted = true;
		return on_marker(b, m, done);
	}
	if (!b->panic && is_panic_line(line)) {
		b->panic = strdup(line);
		if (!b->panic)
			return -ENOMEM;
	}
	return 0;
}

int kbtf_bt_parse_serial(const char *text, size_t len, struct kbtf_bt_boot *out)
{
	bool booted = false, done = false;
	size_t pos = 0;
	char *line = NULL;
	int err = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len && !err) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t n = end - pos;

		line = malloc(n + 1);
		if (!line) {
			err = -ENOMEM;
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		while (n && line[n - 1] == '\r')
			line[--n] = '\0';
		err = on_line(out, line, &booted, &done);
		free(line);
		pos = end + 1;
	}
	if (err) {
		kbtf_bt_boot_fini(out);
		return kbtf_err(err, "serial log: out of memory");
	}
	out->status = !booted ? KBTF_BT_BOOT_NO_INIT : done ? KBTF_BT_BOOT_OK : KBTF_BT_BOOT_CUT;
	return 0;
}

const struct kbtf_bt_obs *kbtf_bt_boot_find(const struct kbtf_bt_boot *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->nr_obs; i++) {
		if (!strcmp(b->obs[i].name, name))
			return &b->obs[i];
	}
	return NULL;
}

void kbtf_bt_boot_fini(struct kbtf_bt_boot *b)
{
	size_t i, j;

	for (i = 0; i < b->nr_obs; i++) {
		for (j = 0; j < b->obs[i].nr_log; j++)
			free(b->obs[i].log[j]);
		free(b->obs[i].log);
		free(b->obs[i].name);
	}
	free(b->obs);
	free(b->release);
	free(b->panic);
	memset(b, 0, sizeof(*b));
}
