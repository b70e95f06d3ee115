// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DKMS configuration as kbtf reads and writes it: kbtf's own settings
 * (/etc/dkms/kbtf.conf and the environment), the signing part of DKMS's
 * framework.conf, and the kbtf block in /etc/dkms/<module>.conf.
 */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbtf/buf.h"
#include "dkms.h"
#include "kbtf/err.h"
#include "module_sign.h"
#include "util.h"

int kbtf_dkms_on_error_parse(const char *s, enum kbtf_dkms_on_error *out)
{
	if (!strcmp(s, "warn"))
		*out = KBTF_DKMS_WARN;
	else if (!strcmp(s, "fail"))
		*out = KBTF_DKMS_FAIL;
	else
		return kbtf_err(-EINVAL, "'%s' is not an on-error choice (fail or warn)", s);
	return 0;
}

/* ------------------------------------------------- KEY=VALUE files */

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Split one shell-style assignment line in place. Returns 1 with @key and
 * @val set, 0 for a blank or comment line, -EINVAL for anything else.
 * A value may be quoted with ' or "; unquoted, a '#' starts a comment.
 */
static int parse_assignment(char *line, char **key, char **val)
{
	char *s = trim(line), *eq, *v;
	size_t n;

	if (!*s || *s == '#')
		return 0;
	if (!strncmp(s, "export ", 7))
		s = trim(s + 7);
	eq = strchr(s, '=');
	if (!eq || eq == s)
		return -EINVAL;
	*eq = '\0';
	for (v = s; *v; v++) {
		if (!isalnum((unsigned char)*v) && *v != '_')
			return -EINVAL;
	}
	v = eq + 1;
	n = strlen(v);
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = '\0';
		v++;
	} else {
		char *hash = strchr(v, '#');

		if (hash)
			*hash = '\0';
		v = trim(v);
	}
	*key = s;
	*val = v;
	return 1;
}

typedef int (*assign_fn)(void *ctx, const char *key, const char *val);

/* Read @path line by line; a missing file is fine (returns 1). */
static int read_assignments(const char *path, assign_fn fn, void *ctx)
{
	char *line = NULL, *key, *val;
	size_t cap = 0;
	unsigned int lineno = 0;
	int err = 0, r;
	FILE *f = fopen(path, "r");

	if (!f) {
		if (errno == ENOENT)
			return 1;
		return kbtf_err(-errno, "%s: %s", path, strerror(errno));
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		r = parse_assignment(line, &key, &val);
		if (r < 0) {
			err = kbtf_err(-EINVAL, "%s:%u: not a NAME=VALUE line", path, lineno);
			break;
		}
		if (r == 0)
			continue;
		err = fn(ctx, key, val);
		if (err) {
			kbtf_err_prefix(err, "%s:%u", path, lineno);
			break;
		}
	}
	free(line);
	fclose(f);
	return err;
}

static int set_str(char **slot, const char *val)
{
	char *copy = strdup(val);

	if (!copy)
		return kbtf_err_nomem();
	free(*slot);
	*slot = copy;
	return 0;
}

/* ------------------------------------------------------ kbtf.conf */

static int settings_assign(void *ctx, const char *key, const char *val)
{
	struct kbtf_dkms_settings *s = ctx;

	if (!strcmp(key, "KBTF_DKMS_ON_ERROR"))
		return kbtf_dkms_on_error_parse(val, &s->on_error);
	if (!strcmp(key, "KBTF_DKMS_BASE"))
		return set_str(&s->base, val);
	if (!strcmp(key, "KBTF_DKMS_VALIDATE"))
		return set_str(&s->validate, val);
	if (!strcmp(key, "KBTF_DKMS_REPORT"))
		return set_str(&s->report_format, val);
	/* other names: someone else's, or a newer kbtf's; not ours to refuse */
	return 0;
}

static int settings_from_env(struct kbtf_dkms_settings *s)
{
	static const char *const names[] = {"KBTF_DKMS_ON_ERROR", "KBTF_DKMS_BASE",
					    "KBTF_DKMS_VALIDATE", "KBTF_DKMS_REPORT"};
	size_t i;
	int err;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = getenv(names[i]);

		if (!v)
			continue;
		err = settings_assign(s, names[i], v);
		if (err)
			return kbtf_err_prefix(err, "environment %s", names[i]);
	}
	return 0;
}

static bool report_format_ok(const char *f)
{
	static const char *const ok[] = {"text", "json", "md", "html", "junit"};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (!strcmp(f, ok[i]))
			return true;
	}
	return false;
}

int kbtf_dkms_settings_load(const char *path, struct kbtf_dkms_settings *s)
{
	const char *file = path ? path : KBTF_DKMS_ETC "/" KBTF_DKMS_CONF_NAME;
	int err;

	memset(s, 0, sizeof(*s));
	s->on_error = KBTF_DKMS_WARN;
	err = read_assignments(file, settings_assign, s);
	if (err < 0)
		goto fail;
	if (err == 0) {
		err = set_str(&s->from, file);
		if (err)
			goto fail;
	}
	err = settings_from_env(s);
	if (err)
		goto fail;
	if (!s->report_format || !*s->report_format) {
		err = set_str(&s->report_format, "text");
		if (err)
			goto fail;
	}
	if (!report_format_ok(s->report_format)) {
		err = kbtf_err(-EINVAL, "KBTF_DKMS_REPORT=%s: not text, json, md, html or junit",
			       s->report_format);
		goto fail;
	}
	return 0;
fail:
	kbtf_dkms_settings_release(s);
	return err;
}

void kbtf_dkms_settings_release(struct kbtf_dkms_settings *s)
{
	free(s->base);
	free(s->validate);
	free(s->report_format);
	free(s->from);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------- framework.conf */

struct framework_ctx {
	struct kbtf_dkms_framework *fw;
	const char *kernelver;
};

/* Replace $kernelver and ${kernelver} the way DKMS's sourcing would. */
static char *expand_kernelver(const char *val, const char *kv)
{
	static const char *const forms[] = {"${kernelver}", "$kernelver"};
	size_t cap = strlen(val) * (strlen(kv) + 1) + 1, len = 0, i;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	while (*val) {
		for (i = 0; i < 2; i++) {
			size_t n = strlen(forms[i]);

			if (!strncmp(val, forms[i], n)) {
				memcpy(out + len, kv, strlen(kv));
				len += strlen(kv);
				val += n;
				break;
			}
		}
		if (i == 2)
			out[len++] = *val++;
	}
	out[len] = '\0';
	return out;
}

static int framework_assign(void *arg, const char *key, const char *val)
{
	struct framework_ctx *c = arg;
	char **slot = NULL, *v;

	if (!strcmp(key, "dkms_tree"))
		slot = &c->fw->dkms_tree;
	else if (!strcmp(key, "sign_file"))
		slot = &c->fw->sign_file;
	else if (!strcmp(key, "mok_signing_key"))
		slot = &c->fw->mok_key;
	else if (!strcmp(key, "mok_certificate"))
		slot = &c->fw->mok_cert;
	if (!slot)
		return 0;
	v = expand_kernelver(val, c->kernelver ? c->kernelver : "");
	if (!v)
		return kbtf_err_nomem();
	free(*slot);
	*slot = v;
	return 0;
}

static int default_str(char **slot, const char *val)
{
	if (*slot && **slot)
		return 0;
	return set_str(slot, val);
}

int kbtf_dkms_framework_load(const char *etc_dir, const char *kernelver,
			     struct kbtf_dkms_framework *fw)
{
	struct framework_ctx c = {fw, kernelver};
	char path[4096];
	glob_t g;
	size_t i;
	int err;

	memset(fw, 0, sizeof(*fw));
	if (!etc_dir)
		etc_dir = KBTF_DKMS_ETC;
	snprintf(path, sizeof(path), "%s/framework.conf", etc_dir);
	err = read_assignments(path, framework_assign, &c);
	if (err < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/framework.conf.d/*.conf", etc_dir);
	memset(&g, 0, sizeof(g));
	if (glob(path, 0, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc && err >= 0; i++)
			err = read_assignments(g.gl_pathv[i], framework_assign, &c);
	}
	globfree(&g);
	if (err < 0)
		goto fail;
	err = default_str(&fw->dkms_tree, "/var/lib/dkms");
	if (!err)
		err = default_str(&fw->mok_key, "/var/lib/dkms/mok.key");
	if (!err)
		err = default_str(&fw->mok_cert, "/var/lib/dkms/mok.pub");
	if (err)
		goto fail;
	if (fw->sign_file && !*fw->sign_file) {
		free(fw->sign_file);
		fw->sign_file = NULL;
	}
	return 0;
fail:
	kbtf_dkms_framework_release(fw);
	return err;
}

void kbtf_dkms_framework_release(struct kbtf_dkms_framework *fw)
{
	free(fw->dkms_tree);
	free(fw->sign_file);
	free(fw->mok_key);
	free(fw->mok_cert);
	memset(fw, 0, sizeof(*fw));
}

char *kbtf_dkms_sign_tool(const struct kbtf_dkms_framework *fw, const char *kernelver,
			  const char *kdir)
{
	char path[4096], series[256];
	char *dot;

	if (fw && fw->sign_file) {
		if (kbtf_is_executable(fw->sign_file))
			return strdup(fw->sign_file);
		kbtf_err(-ENOENT, "sign_file %s (framework.conf) is not an executable",
			 fw->sign_file);
		return NULL;
	}
	/* Debian's DKMS: linux-kbuild-${kernelver%.*} */
	snprintf(series, sizeof(series), "%s", kernelver ? kernelver : "");
	dot = strrchr(series, '.');
	if (dot) {
		*dot = '\0';
		snprintf(path, sizeof(path), "/usr/lib/linux-kbuild-%s/scripts/sign-file", series);
		if (kbtf_is_executable(path))
			return strdup(path);
	}
	if (kdir) {
		snprintf(path, sizeof(path), "%s/scripts/sign-file", kdir);
		if (kbtf_is_executable(path))
			return strdup(path);
	}
	return kbtf_sign_find_tool(kdir, kernelver);
}

/* CONFIG_MODULE_SIG_HASH="sha512" in the file at @path, into @buf. */
static bool config_sig_hash(const char *path, char *buf, size_t len)
{
	static const char key[] = "CONFIG_MODULE_SIG_HASH=";
	char *line = NULL, *v, *q;
	size_t cap = 0;
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) >= 0) {
		if (strncmp(line, key, sizeof(key) - 1))
			continue;
		v = line + sizeof(key) - 1;
		v += strspn(v, "\"");
		q = v + strcspn(v, "\"\n");
		*q = '\0';
		if (*v) {
			snprintf(buf, len, "%s", v);
			found = true;
		}
	}
	free(line);
	fclose(f);
	return found;
}

void kbtf_dkms_sign_hash(const char *kernelver, const char *kdir, char *buf, size_t len)
{
	char path[4096];

	if (kdir) {
		snprintf(path, sizeof(path), "%s/.config", kdir);
		if (config_sig_hash(path, buf, len))
			return;
	}
	if (kernelver) {
		snprintf(path, sizeof(path), "/boot/config-%s", kernelver);
		if (config_sig_hash(path, buf, len))
			return;
	}
	snprintf(buf, len, "sha512");
}

/* ---------------------------------------- /etc/dkms/<module>.conf */

int kbtf_dkms_module_name_check(const char *name)
{
	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
	    name[0] == '-')
		return kbtf_err(-EINVAL, "'%s' is not a DKMS module name", name ? name : "");
	if (!strcmp(name, "framework") || !strcmp(name, "kbtf"))
		return kbtf_err(-EINVAL, "'%s.conf' is not a module's file in %s", name,
				KBTF_DKMS_ETC);
	return 0;
}

/*
 * The block is bash that DKMS sources, and DKMS re-reads each value it
 * keeps inside double quotes: a path with a space, quote, '$' or '\' would
 * come out changed. Such paths are refused rather than quoted.
 */
static int plain_path(const char *p)
{
	const char *s;

	if (!p || p[0] != '/')
		return kbtf_err(-EINVAL, "'%s' is not an absolute path", p ? p : "");
	for (s = p; *s; s++) {
		if (!isalnum((unsigned char)*s) && !strchr("/._+-", *s))
			return kbtf_err(-EINVAL,
					"'%s': DKMS would mangle the character '%c' in this path; "
					"install kbtf under a plain path",
					p, *s);
	}
	return 0;
}

static const char block_head[] = KBTF_DKMS_BLOCK_BEGIN
    "\n"
    "# Written by \"kbtf dkms enable\"; \"kbtf dkms disable\" removes this block.\n"
    "# DKMS sources this file after the package's dkms.conf (see docs/dkms.md).\n";

static const char block_make[] =
    "# Every MAKE command gets \"&& kbtf dkms make-hook\": it embeds distilled BTF\n"
    "# (.BTF + .BTF.base) into the modules just built, before DKMS strips, signs\n"
    "# and compresses them. A hook failure with on-error=fail fails the build.\n"
    "# A command starting with make also compiles with kbtf's access-record\n"
    "# plugin (KCFLAGS=-fplugin=..., built once per compiler and cached), run\n"
    "# when DKMS runs MAKE (\\$), not now.\n"
    "[ ${#MAKE[@]} -gt 0 ] || MAKE[0]=\"make -C ${kernel_source_dir} "
    "M=${dkms_tree}/${module}/${module_version}/build\"\n"
    "for _kbtf_i in \"${!MAKE[@]}\"; do\n"
    "\tcase ${MAKE[$_kbtf_i]} in make\\ *) MAKE[$_kbtf_i]=\"make \\$(%s build "
    "--access-kcflags --kdir ${kernel_source_dir} | sed s/^/KCFLAGS=/) "
    "${MAKE[$_kbtf_i]#make }\" ;; esac\n"
    "\tMAKE[$_kbtf_i]=\"${MAKE[$_kbtf_i]} && %s dkms make-hook --kernel ${kernelver} "
    "--arch ${arch} --kdir ${kernel_source_dir}%s\"\n"
    "done\n"
    "unset _kbtf_i\n";

static const char block_post[] =
    "# POST_BUILD runs kbtf on the finished modules in the DKMS tree: it embeds\n"
    "# distilled BTF, signs them again with DKMS's key and compresses them as DKMS\n"
    "# did. DKMS ignores a POST_BUILD failure: the build always succeeds.\n"
    "# Without a vmlinux in the headers kbuild makes no BTF and pahole needs the\n"
    "# DWARF that DKMS strips: DKMS's strip is turned off and kbtf strips instead.\n"
    "_kbtf_strip=\n"
    "if [ ! -e \"${kernel_source_dir}/vmlinux\" ]; then\n"
    "\tfor _kbtf_i in \"${!DEST_MODULE_LOCATION[@]}\"; do STRIP[$_kbtf_i]=no; done\n"
    "\t_kbtf_strip=\" --strip\"\n"
    "fi\n"
    "# POST_BUILD must be relative to the build directory, hence realpath.\n"
    "POST_BUILD=\"$(realpath -m --relative-to=${dkms_tree}/${module}/${module_version}/build "
    "%s) dkms post-build --kernel ${kernelver} --arch ${arch} --kdir ${kernel_source_dir}"
    "${_kbtf_strip}%s${POST_BUILD:+ -- ${POST_BUILD}}\"\n"
    "unset _kbtf_i _kbtf_strip\n";

int kbtf_dkms_block(const struct kbtf_dkms_enable_opts *o, char **out)
{
	char onerr[32] = "";
	char *body = NULL;
	int err, n;
	enum kbtf_dkms_on_error e;

	*out = NULL;
	err = plain_path(o->kbtf);
	if (err)
		return err;
	if (o->on_error) {
		err = kbtf_dkms_on_error_parse(o->on_error, &e);
		if (err)
			return err;
		snprintf(onerr, sizeof(onerr), " --on-error %s", o->on_error);
	}
	if (o->post_build)
		n = asprintf(&body, block_post, o->kbtf, onerr);
	else
		n = asprintf(&body, block_make, o->kbtf, o->kbtf, onerr);
	if (n < 0)
		return kbtf_err_nomem();
	/*
	 * The block stays in /etc/dkms after kbtf is removed by hand (the
	 * Debian package's prerm removes it, a "make uninstall" cannot know
	 * every package): without the binary, DKMS builds the plain module.
	 */
	n = asprintf(out, "%sif [ -x \"%s\" ]; then\n%sfi\n%s\n", block_head, o->kbtf, body,
		     KBTF_DKMS_BLOCK_END);
	free(body);
	if (n < 0) {
		*out = NULL;
		return kbtf_err_nomem();
	}
	return 0;
}

/* Start of the line at @p's line; length of the line including its '\n'. */
static size_t line_len(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? (size_t)(nl - p) + 1 : strlen(p);
}

static bool line_is(const char *p, size_t len, const char *what)
{
	size_t n = strlen(what);

	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == ' ' ||
		       p[len - 1] == '\t'))
		len--;
	return len == n && !memcmp(p, what, n);
}

int kbtf_dkms_conf_edit(const char *text, const char *block, char **out, bool *had_block)
{
	size_t tlen = strlen(text), blen = block ? strlen(block) : 0, olen = 0, n;
	const char *p = text;
	bool inside = false;
	char *o = malloc(tlen + blen + 2);

	*had_block = false;
	if (!o)
		return kbtf_err_nomem();
	while (*p) {
		n = line_len(p);
		if (!inside && line_is(p, n, KBTF_DKMS_BLOCK_BEGIN)) {
			inside = true;
			*had_block = true;
		} else if (inside && line_is(p, n, KBTF_DKMS_BLOCK_END)) {
			inside = false;
		} else if (!inside) {
			memcpy(o + olen, p, n);
			olen += n;
		}
		p += n;
	}
	if (inside) {
		free(o);
		return kbtf_err(-EINVAL,
				"a kbtf block starts (\"%s\") but never ends (\"%s\"); "
				"fix the file by hand",
				KBTF_DKMS_BLOCK_BEGIN, KBTF_DKMS_BLOCK_END);
	}
	if (block) {
		if (olen && o[olen - 1] != '\n')
			o[olen++] = '\n';
		memcpy(o + olen, block, blen);
		olen += blen;
	}
	o[olen] = '\0';
	*out = o;
	return 0;
}

bool kbtf_dkms_conf_is_blank(const char *text)
{
	for (; *text; text++) {
		if (!isspace((unsigned char)*text))
			return false;
	}
	return true;
}
