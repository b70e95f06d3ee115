// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kbtf dkms: make DKMS embed distilled BTF into the modules it builds.
 *
 *   enable MODULE      write the kbtf block into /etc/dkms/MODULE.conf
 *   disable MODULE     take it out again
 *   make-hook          what the block chains into MAKE[0] (before signing)
 *   post-build         what the block (or a vendor's dkms.conf) runs as
 *                      POST_BUILD (after DKMS signed and compressed)
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbtf/buf.h"
#include "distill_origin.h"
#include "dkms.h"
#include "kbtf/err.h"
#include "run.h"
#include "cmd.h"

static const char dkms_usage[] =
    "usage: kbtf dkms enable MODULE [--fail|--warn] [--post-build] [--print]\n"
    "       kbtf dkms disable MODULE\n"
    "       kbtf dkms make-hook --kernel KVER [--kdir DIR] [--arch ARCH] [options]\n"
    "       kbtf dkms post-build --kernel KVER [--kdir DIR] [--arch ARCH] [--strip]\n"
    "                            [options] [-- PACKAGE_POST_BUILD...]\n"
    "\n"
    "enable writes a block into /etc/dkms/MODULE.conf that makes DKMS run kbtf on\n"
    "every build of MODULE: chained into MAKE (before DKMS strips, signs and\n"
    "compresses; a failure can fail the build), or with --post-build as POST_BUILD\n"
    "(after; kbtf signs again with DKMS's key and compresses the same way).\n"
    "disable removes the block. The hooks are what DKMS runs; see kbtf-dkms(1).\n"
    "Each module gets the BTF its kernel reads, picked by the release: .BTF.base +\n"
    "split .BTF for 6.11 and later, a plain split .BTF before (those kernels ignore\n"
    ".BTF.base); one line per module says which and why.\n"
    "\n"
    "enable/disable:\n"
    "      --fail          a module that cannot get BTF fails the build\n"
    "      --warn          say why and keep the module as built\n"
    "                      (neither: KBTF_DKMS_ON_ERROR in /etc/dkms/kbtf.conf, default warn)\n"
    "      --post-build    the POST_BUILD way instead of MAKE\n"
    "      --print         print the block instead of writing the file\n"
    "      --conf-dir DIR  instead of /etc/dkms\n"
    "hooks:\n"
    "  -k, --kernel KVER   kernel release being built for (DKMS's ${kernelver})\n"
    "      --kdir DIR      its build directory (default /lib/modules/KVER/build)\n"
    "      --arch ARCH     DKMS's ${arch} (default uname -m)\n"
    "  -b, --base SOURCE   the kernel's BTF (default: see kbtf-dkms(1), BASE LOOKUP)\n"
    "      --on-error fail|warn\n"
    "      --conf FILE     settings file instead of /etc/dkms/kbtf.conf\n"
    "      --dir DIR       make-hook: build dir (default .); post-build: the DKMS\n"
    "                      module dir (default ../KVER/ARCH/module from the build dir)\n"
    "      --strip         post-build: strip -g after embedding\n"
    "      --redistill     a module whose .BTF.base kbuild distilled natively (6.11+\n"
    "                      pahole, 7.x resolve_btfids) gets kbtf's minimal base\n"
    "                      instead (default: kept as kbuild made it)\n"
    "  -q, --quiet         errors and warnings only\n";

enum {
	OPT_FAIL = 256,
	OPT_WARN,
	OPT_POST,
	OPT_PRINT,
	OPT_CONF_DIR,
	OPT_KDIR,
	OPT_ARCH,
	OPT_ON_ERROR,
	OPT_CONF,
	OPT_DIR,
	OPT_STRIP,
	OPT_REDISTILL,
};

static const struct option dkms_options[] = {
    {"fail", no_argument, NULL, OPT_FAIL},
    {"warn", no_argument, NULL, OPT_WARN},
    {"post-build", no_argument, NULL, OPT_POST},
    {"print", no_argument, NULL, OPT_PRINT},
    {"conf-dir", required_argument, NULL, OPT_CONF_DIR},
    {"kernel", required_argument, NULL, 'k'},
    {"kdir", required_argument, NULL, OPT_KDIR},
    {"arch", required_argument, NULL, OPT_ARCH},
    {"base", required_argument, NULL, 'b'},
    {"on-error", required_argument, NULL, OPT_ON_ERROR},
    {"conf", required_argument, NULL, OPT_CONF},
    {"dir", required_argument, NULL, OPT_DIR},
    {"strip", no_argument, NULL, OPT_STRIP},
    {"redistill", no_argument, NULL, OPT_REDISTILL},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct dkms_args {
	const char *verb;
	const char *on_error;
	bool post_build, print, strip, redistill, quiet;
	const char *conf_dir;
	const char *kernel, *kdir, *arch, *base, *conf, *dir;
	char **rest; /* positional words after the options */
	int nr_rest;
};

/* -1 to go on, else the exit code to return (--help shown, or a bad option reported). */
static int parse_args(int argc, char **argv, struct dkms_args *a)
{
	static const struct cmd_spec spec = {
	    .name = "dkms",
	    .usage = dkms_usage,
	    .options = dkms_options,
	    .optstring = "k:b:qh",
	    .common = CMD_OPT_QUIET,
	};
	struct cmd_parser p;
	int c;

	cmd_parser_init(&p, &spec, argc, argv);
	while ((c = cmd_getopt(&p)) != -1) {
		switch (c) {
		case OPT_FAIL:
			a->on_error = "fail";
			break;
		case OPT_WARN:
			a->on_error = "warn";
			break;
		case OPT_ON_ERROR:
			a->on_error = optarg;
			break;
		case OPT_POST:
			a->post_build = true;
			break;
		case OPT_PRINT:
			a->print = true;
			break;
		case OPT_CONF_DIR:
			a->conf_dir = optarg;
			break;
		case 'k':
			a->kernel = optarg;
			break;
		case OPT_KDIR:
			a->kdir = optarg;
			break;
		case OPT_ARCH:
			a->arch = optarg;
			break;
		case 'b':
			a->base = optarg;
			break;
		case OPT_CONF:
			a->conf = optarg;
			break;
		case OPT_DIR:
			a->dir = optarg;
			break;
		case OPT_REDISTILL:
			a->redistill = true;
			break;
		case OPT_STRIP:
			a->strip = true;
			break;
		}
	}
	a->quiet = p.opts.quiet;
	a->rest = argv + optind;
	a->nr_rest = argc - optind;
	return p.stop ? p.exit : -1;
}

/* snprintf for paths: -ENAMETOOLONG instead of a silently cut path. */
static int path_fmt(char *buf, size_t len, const char *fmt, ...) KBTF_PRINTF(3, 4);

static int path_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		return kbtf_err(-ENAMETOOLONG, "path too long: %.64s...", buf);
	return 0;
}

/* Absolute path of this kbtf binary, for the hooks DKMS will run. */
static int self_path(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n < 0)
		return kbtf_err(-errno, "cannot tell where kbtf is (/proc/self/exe): %s",
				strerror(errno));
	buf[n] = '\0';
	return 0;
}

/* ------------------------------------------------- enable / disable */

static int read_text(const char *path, char **text)
{
	struct kbtf_buf b = {0};
	int err = kbtf_buf_from_file(path, &b);

	*text = NULL;
	if (err == -ENOENT) {
		kbtf_err_clear();
		*text = strdup("");
		return *text ? 0 : kbtf_err_nomem();
	}
	if (err)
		return err;
	*text = strndup((const char *)b.data, b.size);
	kbtf_buf_release(&b);
	return *text ? 0 : kbtf_err_nomem();
}

/* Write @text to @path, or remove @path when nothing but blanks is left. */
static int write_conf(const char *path, const char *text)
{
	if (kbtf_dkms_conf_is_blank(text)) {
		if (unlink(path) && errno != ENOENT)
			return kbtf_err(-errno, "cannot remove: %s", strerror(errno));
		return 0;
	}
	return kbtf_write_file_atomic(path, text, strlen(text), 0644);
}

static int dkms_enable(struct dkms_args *a, const char *module)
{
	struct kbtf_dkms_enable_opts o = {.post_build = a->post_build, .on_error = a->on_error};
	char self[PATH_MAX], path[PATH_MAX];
	char *block = NULL, *old = NULL, *new = NULL;
	bool had;
	int err;

	err = kbtf_dkms_module_name_check(module);
	if (!err)
		err = self_path(self, sizeof(self));
	if (err)
		return cmd_error(NULL, err);
	o.kbtf = self;
	err = kbtf_dkms_block(&o, &block);
	if (err)
		return cmd_error(NULL, err);
	if (a->print) {
		fputs(block, stdout);
		free(block);
		return KBTF_EXIT_OK;
	}
	err = path_fmt(path, sizeof(path), "%s/%s.conf", a->conf_dir, module);
	if (!err)
		err = read_text(path, &old);
	if (!err)
		err = kbtf_dkms_conf_edit(old, block, &new, &had);
	if (!err)
		err = write_conf(path, new);
	if (err) {
		cmd_report_error(path);
	} else if (!a->quiet) {
		printf("kbtf: %s %s: DKMS builds of %s now embed BTF (%s%s%s)\n",
		       had ? "updated" : "wrote", path, module,
		       a->post_build ? "POST_BUILD" : "chained into MAKE",
		       a->on_error ? ", on error: " : "", a->on_error ? a->on_error : "");
		printf("kbtf: rebuild with: dkms build %s/<version> -k <kernel> --force\n", module);
	}
	free(block);
	free(old);
	free(new);
	return cmd_exit_code(err);
}

static int dkms_disable(struct dkms_args *a, const char *module)
{
	char path[PATH_MAX];
	char *old = NULL, *new = NULL;
	bool had = false;
	int err;

	err = kbtf_dkms_module_name_check(module);
	if (err)
		return cmd_error(NULL, err);
	err = path_fmt(path, sizeof(path), "%s/%s.conf", a->conf_dir, module);
	if (!err)
		err = read_text(path, &old);
	if (!err)
		err = kbtf_dkms_conf_edit(old, NULL, &new, &had);
	if (!err && had)
		err = write_conf(path, new);
	if (err)
		cmd_report_error(path);
	else if (!a->quiet)
		printf(had ? "kbtf: %s: kbtf block removed%s\n"
			   : "kbtf: %s: no kbtf block; nothing to do%s\n",
		       path, had && kbtf_dkms_conf_is_blank(new) ? " (file removed)" : "");
	free(old);
	free(new);
	return cmd_exit_code(err);
}

/* ----------------------------------------------------------- hooks */

struct hook_run {
	struct dkms_args *a;
	struct kbtf_dkms_hook h;
	struct kbtf_dkms_settings settings;
	struct kbtf_dkms_framework fw;
	enum kbtf_dkms_on_error on_error;
	char self[PATH_MAX];
	char kdir[PATH_MAX];
	char report_dir[PATH_MAX];
	char module_dir[PATH_MAX];
	struct kbtf_kernel *base;
	char *base_how;
	int failed, embedded, skipped;
	int worst; /* KBTF_EXIT_* of the worst failure */
};

static void hook_say(struct hook_run *r, const char *fmt, ...) KBTF_PRINTF(2, 3);

static void hook_say(struct hook_run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->a->quiet)
		return;
	va_start(ap, fmt);
	fputs("kbtf dkms: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
}

/* One failure: say it in the words of the chosen policy. */
static void hook_failed(struct hook_run *r, const char *what, int err)
{
	const char *msg = kbtf_errstr();

	r->failed++;
	r->worst = cmd_worst(r->worst, cmd_exit_code(err));
	fprintf(stderr, "kbtf dkms: %s: %s: %s\n",
		r->on_error == KBTF_DKMS_FAIL ? "error" : "warning", what, *msg ? msg : "failed");
	if (r->on_error == KBTF_DKMS_WARN)
		fprintf(stderr,
			"kbtf dkms: %s: kept as DKMS built it, without kbtf's BTF "
			"(KBTF_DKMS_ON_ERROR=warn)\n",
			what);
	fflush(stderr);
}

/* DKMS runs both hooks in $dkms_tree/$module/$module_version/build. */
static int dkms_version_dir(char *buf, size_t len)
{
	char cwd[PATH_MAX], *slash;

	if (!getcwd(cwd, sizeof(cwd)))
		return kbtf_err(-errno, "getcwd: %s", strerror(errno));
	slash = strrchr(cwd, '/');
	if (!slash || strcmp(slash, "/build"))
		return kbtf_err(-EINVAL,
				"not run by DKMS (the current directory %s is not a DKMS build "
				"directory): give --dir",
				cwd);
	*slash = '\0';
	snprintf(buf, len, "%s", cwd);
	return 0;
}

static int hook_setup(struct hook_run *r)
{
	struct dkms_args *a = r->a;
	int err;

	if (!a->kernel) {
		fprintf(stderr, "kbtf dkms %s: --kernel KVER is required\n", a->verb);
		return KBTF_EXIT_USAGE;
	}
	err = kbtf_dkms_settings_load(a->conf, &r->settings);
	if (!err && a->on_error)
		err = kbtf_dkms_on_error_parse(a->on_error, &r->settings.on_error);
	if (!err)
		err = self_path(r->self, sizeof(r->self));
	if (err)
		return cmd_error(NULL, err);
	r->on_error = r->settings.on_error;
	if (a->kdir)
		path_fmt(r->kdir, sizeof(r->kdir), "%s", a->kdir);
	else
		path_fmt(r->kdir, sizeof(r->kdir), "/lib/modules/%s/build", a->kernel);
	r->h.kernelver = a->kernel;
	r->h.arch = a->arch ? a->arch : kbtf_dkms_machine();
	r->h.kdir = r->kdir;
	r->h.base = a->base;
	r->h.kbtf = r->self;
	r->h.settings = &r->settings;
	r->h.strip = a->strip;
	r->h.redistill = a->redistill;
	r->h.quiet = a->quiet;
	return KBTF_EXIT_OK;
}

static void hook_teardown(struct hook_run *r)
{
	kbtf_kernel_free(r->base);
	free(r->base_how);
	kbtf_dkms_settings_release(&r->settings);
	kbtf_dkms_framework_release(&r->fw);
}

static void say_embedded(struct hook_run *r, const char *path,
			 const struct kbtf_distill_module_report *rep)
{
	if (rep->already && kbtf_base_origin_native(rep->origin)) {
		r->skipped++;
		hook_say(r,
			 "%s: .BTF.base distilled %s: kept as built (--redistill for kbtf's "
			 "minimal base)",
			 path, kbtf_base_origin_str(rep->origin));
		return;
	}
	if (rep->already) {
		r->skipped++;
		hook_say(r, "%s: already carries %s; left alone", path,
			 rep->plain ? "split .BTF" : ".BTF.base");
		return;
	}
	r->embedded++;
	hook_say(r, "%s: %s", path, rep->form_why);
	if (rep->plain)
		hook_say(r, "%s: embedded plain split .BTF (%u types)%s%s%s", path,
			 rep->split_types, rep->encoded ? ", encoded from DWARF" : "",
			 rep->resigned ? ", signed again" : "",
			 rep->compression ? ", compressed again" : "");
	else
		hook_say(r, "%s: embedded .BTF.base (%u types) + .BTF (%u types)%s%s%s", path,
			 rep->base_types, rep->split_types,
			 rep->encoded ? ", encoded from DWARF" : "",
			 rep->resigned ? ", signed again" : "",
			 rep->compression ? ", compressed again" : "");
}

static void validate_one(struct hook_run *r, const char *path)
{
	char *report = NULL;
	int rc;

	if (!r->settings.validate || !*r->settings.validate || !r->h.report_dir)
		return;
	rc = kbtf_dkms_validate(&r->h, path, &report);
	if (rc < 0) {
		/* a report is an extra: its failure never fails the build */
		fprintf(stderr, "kbtf dkms: warning: %s: validation: %s\n", path, kbtf_errstr());
	} else {
		hook_say(r, "%s: validated against %s: %s; report %s", path, r->settings.validate,
			 rc == 0 ? "ok on every kernel" : "NOT ok on some kernels", report);
	}
	free(report);
}

static int open_base(struct hook_run *r)
{
	int err = kbtf_dkms_open_base(&r->h, &r->base, &r->base_how);

	if (err)
		return err;
	hook_say(r, "base BTF for %s: %s", r->h.kernelver, r->base_how ? r->base_how : "found");
	return 0;
}

static int hook_finish(struct hook_run *r, size_t nr)
{
	hook_say(r, "%zu module(s): %d embedded, %d already had it, %d failed", nr, r->embedded,
		 r->skipped, r->failed);
	if (r->failed && r->on_error == KBTF_DKMS_FAIL)
		return r->worst ? r->worst : KBTF_EXIT_FAIL;
	return KBTF_EXIT_OK;
}

/*
 * Open the base, then give each module its BTF and validate it. @finished:
 * the modules are DKMS's finished ones (stripped, signed, compressed) rather
 * than kbuild's fresh output; only the embedding differs.
 */
static void embed_all(struct hook_run *r, char **mods, size_t n, bool finished)
{
	struct kbtf_distill_module_report rep;
	size_t i;
	int err;

	err = open_base(r);
	if (err) {
		for (i = 0; i < n; i++)
			hook_failed(r, mods[i], err);
		return;
	}
	for (i = 0; i < n; i++) {
		err = finished ? kbtf_dkms_embed_finished(&r->h, &r->fw, mods[i], r->base, &rep)
			       : kbtf_dkms_embed_built(&r->h, mods[i], r->base, &rep);
		if (err) {
			hook_failed(r, mods[i], err);
			continue;
		}
		say_embedded(r, mods[i], &rep);
		validate_one(r, mods[i]);
	}
}

static int make_hook(struct dkms_args *a)
{
	struct hook_run r = {.a = a};
	char vdir[PATH_MAX];
	char **mods = NULL;
	size_t n = 0;
	int rc, err, k;

	rc = hook_setup(&r);
	if (rc)
		return rc;
	r.h.dir = a->dir ? a->dir : ".";
	/* the rest: module files; DKMS may append NAME=VALUE (CC=clang): not ours */
	for (k = 0; k < a->nr_rest; k++) {
		if (!strchr(a->rest[k], '='))
			break;
	}
	if (k < a->nr_rest) {
		mods = calloc((size_t)a->nr_rest, sizeof(*mods));
		for (k = 0; mods && k < a->nr_rest; k++) {
			if (!strchr(a->rest[k], '='))
				mods[n++] = strdup(a->rest[k]);
		}
		err = mods ? 0 : kbtf_err_nomem();
	} else {
		err = kbtf_dkms_find_modules(r.h.dir, true, false, &mods, &n);
	}
	if (!err && !dkms_version_dir(vdir, sizeof(vdir))) {
		path_fmt(r.report_dir, sizeof(r.report_dir), "%s/%s/%s/log", vdir, a->kernel,
			 r.h.arch);
		r.h.report_dir = r.report_dir;
	}
	kbtf_err_clear();
	if (err) {
		hook_failed(&r, r.h.dir, err);
		goto out;
	}
	if (!n) {
		kbtf_err(-ENOENT, "no .ko files were built under %s", r.h.dir);
		hook_failed(&r, r.h.dir, -ENOENT);
		goto out;
	}
	embed_all(&r, mods, n, false);
out:
	rc = hook_finish(&r, n);
	kbtf_dkms_paths_free(mods, n);
	hook_teardown(&r);
	return rc;
}

/* The package's own POST_BUILD, run first, from the build directory as DKMS would. */
static void run_package_post_build(struct hook_run *r)
{
	char first[PATH_MAX];
	const char **argv;
	int i, rc;

	if (!r->a->nr_rest)
		return;
	argv = calloc((size_t)r->a->nr_rest + 1, sizeof(*argv));
	if (!argv)
		return;
	snprintf(first, sizeof(first), "%s%s", strchr(r->a->rest[0], '/') ? "" : "./",
		 r->a->rest[0]);
	argv[0] = first;
	for (i = 1; i < r->a->nr_rest; i++)
		argv[i] = r->a->rest[i];
	hook_say(r, "running the package's POST_BUILD first: %s", first);
	rc = kbtf_run(argv, NULL);
	if (rc)
		fprintf(stderr, "kbtf dkms: warning: the package's POST_BUILD %s failed (%d)\n",
			first, rc);
	free(argv);
}

static int post_build(struct dkms_args *a)
{
	struct hook_run r = {.a = a};
	char vdir[PATH_MAX];
	char **mods = NULL;
	size_t n = 0;
	int rc, err;

	rc = hook_setup(&r);
	if (rc)
		return rc;
	run_package_post_build(&r);
	if (a->dir) {
		path_fmt(r.module_dir, sizeof(r.module_dir), "%s", a->dir);
		path_fmt(r.report_dir, sizeof(r.report_dir), "%s/../log", a->dir);
		err = 0;
	} else {
		err = dkms_version_dir(vdir, sizeof(vdir));
		path_fmt(r.module_dir, sizeof(r.module_dir), "%s/%s/%s/module", vdir, a->kernel,
			 r.h.arch);
		path_fmt(r.report_dir, sizeof(r.report_dir), "%s/%s/%s/log", vdir, a->kernel,
			 r.h.arch);
	}
	r.h.dir = r.module_dir;
	r.h.report_dir = r.report_dir;
	if (!err)
		err = kbtf_dkms_framework_load(NULL, a->kernel, &r.fw);
	if (!err)
		err = kbtf_dkms_find_modules(r.module_dir, false, true, &mods, &n);
	if (err) {
		hook_failed(&r, a->dir ? a->dir : "post-build", err);
		goto out;
	}
	if (!n) {
		kbtf_err(-ENOENT, "no modules in %s", r.module_dir);
		hook_failed(&r, r.module_dir, -ENOENT);
		goto out;
	}
	embed_all(&r, mods, n, true);
out:
	rc = hook_finish(&r, n);
	kbtf_dkms_paths_free(mods, n);
	hook_teardown(&r);
	return rc;
}

int cmd_dkms(int argc, char **argv)
{
	struct dkms_args a = {.conf_dir = KBTF_DKMS_ETC};
	int r;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(dkms_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? KBTF_EXIT_USAGE : KBTF_EXIT_OK;
	}
	a.verb = argv[1];
	r = parse_args(argc - 1, argv + 1, &a);
	if (r >= 0)
		return r;
	if (!strcmp(a.verb, "make-hook"))
		return make_hook(&a);
	if (!strcmp(a.verb, "post-build"))
		return post_build(&a);
	if (strcmp(a.verb, "enable") && strcmp(a.verb, "disable")) {
		fprintf(stderr, "kbtf dkms: '%s' is not a dkms verb\n", a.verb);
		fputs(dkms_usage, stderr);
		return KBTF_EXIT_USAGE;
	}
	if (a.nr_rest != 1) {
		fprintf(stderr, "kbtf dkms %s: give exactly one DKMS module name\n", a.verb);
		return KBTF_EXIT_USAGE;
	}
	if (!strcmp(a.verb, "enable"))
		return dkms_enable(&a, a.rest[0]);
	return dkms_disable(&a, a.rest[0]);
}
