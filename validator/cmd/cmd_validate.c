// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kbtf validate: what each kernel will do with each module at load time.
 * Option parsing, kernel set resolution and the choice of report; the
 * work is kbtf_matrix_run (validator/lib/matrix.c), the judgement
 * kbtf_validate_pair (validator/lib/verdict.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbtf/err.h"
#include "kbtf/matrix.h"
#include "profile.h"
#include "kbtf/report.h"
#include "cmd.h"

struct args {
	const char **kernels;
	size_t nr_kernels;
	struct kbtf_layer_paths *layers; /* per kernel, like kernels */
	size_t group_start;		 /* first kernel of the last --kernel/--kernels */
	char **set_paths[16];
	size_t set_counts[16];
	size_t nr_sets;
	struct kbtf_matrix_opts mo;
	const char *title;
	int color;	    /* -1 auto */
	struct cmd_opts co; /* --jobs, --verbose */
	/* the reports: each -o FILE with its format; none: text (or the
	 * --format given) on standard output */
	struct output {
		const char *path;
		int format; /* -1: from the extension, else the last --format */
	} outputs[16];
	size_t nr_outputs;
	int format; /* the last --format given; -1 none */
	const char *baseline;
	const char *moddir; /* --moddir: where MODULE names are looked up */
	unsigned int fail_on;
	bool fail_on_given;
};

static const char validate_usage[] =
    "usage: kbtf validate MODULE.ko... (--kernel SOURCE | --kernels SET)...\n"
    "           [--layer FILE]... [--build-kernel SOURCE] [--symvers FILE]\n"
    "           [--no-symbols] [--pre-fix] [--format text|json|junit|md|html]\n"
    "           [-o FILE]... [--baseline OLD.json] [--fail-on LIST] [-j N] [--progress]\n"
    "           [--moddir DIR]\n"
    "\n"
    "Simulate, for every module on every kernel, what the kernel does at load\n"
    "time: symbol resolution and CRCs, BTF relocation of .BTF.base modules,\n"
    "older kernels without .BTF.base support, and layout drift it cannot see.\n"
    "A module is paired only with kernels of its own architecture; the others\n"
    "are listed as not paired (a kernel of unknown architecture, raw BTF, is\n"
    "paired with all, and each such pair says: unchecked: arch).\n"
    "A MODULE of letters, digits, '_' and '-' that is no file is an installed\n"
    "module named as modprobe takes it (kvm, kvm-intel, an alias), looked up\n"
    "with libkmod in /lib/modules/$(uname -r) or --moddir.\n"
    "\n"
    "  -k, --kernel SOURCE     a target kernel: boot image, vmlinux, raw BTF,\n"
    "                          /sys/kernel/btf/vmlinux, .deb, .rpm, Arch package,\n"
    "                          BTFHub file, bundle, unpacked package,\n"
    "                          kernel profile, btf_vmlinux.ko (repeatable)\n"
    "  -K, --kernels SET       stored profiles: all, a name glob, a list, @FILE\n"
    "  -L, --layer FILE        stack the split BTF in FILE (raw, or an ELF's .BTF)\n"
    "                          on the kernel(s) of the --kernel/--kernels just\n"
    "                          before it, e.g. a vmlinux.vars layer (repeatable,\n"
    "                          bottom first); profiles keep theirs\n"
    "  -b, --build-kernel SRC  the kernel the modules were built against (layout\n"
    "                          drift without a layout record; plain split BTF)\n"
    "  -s, --symvers FILE      Module.symvers to use for every kernel\n"
    "      --no-symbols        check BTF only (a warning says symbols were not)\n"
    "      --pre-fix           6.11-6.13 kernels without the embedded-marking\n"
    "                          fix (kernel commit 5ca681a86ef9, in 6.14)\n"
    "  -f, --format FORMAT     text (default), json, junit, md, html: for standard\n"
    "                          output and the -o files after it without one of\n"
    "                          the extensions below\n"
    "  -o, --output FILE       write a report to FILE (repeatable); its format is\n"
    "                          its extension's (.txt .json .xml .md .html), else\n"
    "                          the --format before it\n"
    "      --baseline OLD.json say per pair what changed since that JSON report\n"
    "      --fail-on LIST      verdicts or classes that make the exit status 1:\n"
    "                          ok-unchecked, layout-conflict, no-distilled-support,\n"
    "                          btf-rejected, symbols, elf-rejected; btf, symbols\n"
    "                          (also behind an earlier refusal), elf, unchecked,\n"
    "                          layout, any, none (default: any)\n"
    "      --title TEXT        heading of md/html reports\n"
    "      --moddir DIR        where a MODULE given by name is looked up (a\n"
    "                          /lib/modules/RELEASE directory with depmod's indexes)\n"
    "  -j, --jobs N            threads (default: all CPUs)\n"
    "      --progress          progress on stderr even when it is not a tty\n"
    "      --color, --no-color force text colour on or off\n"
    "  -v, --verbose           text: details of ok pairs too\n"
    "\n"
    "Exit: 0 every pair ok, 1 a pair has a verdict of --fail-on (by default any\n"
    "but ok, ok-unchecked included), 2 usage or unreadable input.\n";

/* Room for @n more kernels in both arrays; they start a new group. */
static int grow_kernels(struct args *a, size_t n)
{
	const char **k = realloc(a->kernels, sizeof(*k) * (a->nr_kernels + n + 1));
	struct kbtf_layer_paths *l;

	if (!k)
		return kbtf_err_nomem();
	a->kernels = k;
	l = realloc(a->layers, sizeof(*l) * (a->nr_kernels + n + 1));
	if (!l)
		return kbtf_err_nomem();
	memset(l + a->nr_kernels, 0, sizeof(*l) * (n + 1));
	a->layers = l;
	a->group_start = a->nr_kernels;
	return 0;
}

static int add_layer(struct args *a, const char *path)
{
	size_t i;

	if (a->group_start == a->nr_kernels)
		return kbtf_err(-EINVAL,
				"--layer %s: give it after the --kernel or --kernels "
				"it stacks on",
				path);
	for (i = a->group_start; i < a->nr_kernels; i++) {
		struct kbtf_layer_paths *l = &a->layers[i];
		const char **p = realloc((void *)l->paths, sizeof(*p) * (l->nr + 1));

		if (!p)
			return kbtf_err_nomem();
		p[l->nr++] = path;
		l->paths = p;
	}
	return 0;
}

static int add_set(struct args *a, const char *set)
{
	char **paths;
	size_t n, i;

	if (a->nr_sets == sizeof(a->set_paths) / sizeof(a->set_paths[0]))
		return kbtf_err(-E2BIG, "too many --kernels options");
	if (kbtf_profile_resolve_set(set, &paths, &n))
		return kbtf_err_prefix(-ENOENT, "--kernels %s", set);
	if (grow_kernels(a, n)) {
		kbtf_profile_paths_free(paths, n);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		a->kernels[a->nr_kernels++] = paths[i];
	a->set_paths[a->nr_sets] = paths;
	a->set_counts[a->nr_sets++] = n;
	return 0;
}

static int add_kernel(struct args *a, const char *src)
{
	int err = grow_kernels(a, 1);

	if (err)
		return err;
	a->kernels[a->nr_kernels++] = src;
	return 0;
}

enum {
	OPT_PRE_FIX = 256,
	OPT_PROGRESS,
	OPT_COLOR,
	OPT_NO_COLOR,
	OPT_TITLE,
	OPT_NO_SYMBOLS,
	OPT_BASELINE,
	OPT_FAIL_ON,
	OPT_MODDIR,
};

static const struct option long_opts[] = {
    {"kernel", required_argument, NULL, 'k'},
    {"kernels", required_argument, NULL, 'K'},
    {"layer", required_argument, NULL, 'L'},
    {"build-kernel", required_argument, NULL, 'b'},
    {"symvers", required_argument, NULL, 's'},
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"jobs", required_argument, NULL, 'j'},
    {"verbose", no_argument, NULL, 'v'},
    {"pre-fix", no_argument, NULL, OPT_PRE_FIX},
    {"no-symbols", no_argument, NULL, OPT_NO_SYMBOLS},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"color", no_argument, NULL, OPT_COLOR},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"title", required_argument, NULL, OPT_TITLE},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"moddir", required_argument, NULL, OPT_MODDIR},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int add_output(struct args *a, const char *path)
{
	if (a->nr_outputs == sizeof(a->outputs) / sizeof(a->outputs[0]))
		return kbtf_err(-E2BIG, "too many -o options (at most 16)");
	a->outputs[a->nr_outputs].path = path;
	a->outputs[a->nr_outputs++].format = a->format;
	return 0;
}

static int set_format(struct args *a, const char *name)
{
	enum kbtf_report_format f;
	int err = kbtf_report_format_parse(name, &f);

	if (!err)
		a->format = (int)f;
	return err;
}

static const struct cmd_spec validate_spec = {
    .name = "validate",
    .usage = validate_usage,
    .options = long_opts,
    .optstring = "k:K:L:b:s:f:o:j:vh",
    .common = CMD_OPT_JOBS | CMD_OPT_VERBOSE,
    .jobs_max = 256,
    .see_help = true,
};

/* 0 (p->stop: --help shown or a bad option reported), or a negative errno (message recorded). */
static int parse_args(struct cmd_parser *p, struct args *a)
{
	int c, err;

	while ((c = cmd_getopt(p)) != -1) {
		err = 0;
		switch (c) {
		case 'k':
			err = add_kernel(a, optarg);
			break;
		case 'K':
			err = add_set(a, optarg);
			break;
		case 'L':
			err = add_layer(a, optarg);
			break;
		case 'b':
			a->mo.build_kernel = optarg;
			break;
		case 's':
			a->mo.symvers = optarg;
			break;
		case OPT_PRE_FIX:
			a->mo.pre_fix = true;
			break;
		case OPT_NO_SYMBOLS:
			a->mo.no_symbols = true;
			break;
		case OPT_PROGRESS:
			a->mo.progress = true;
			break;
		case OPT_COLOR:
		case OPT_NO_COLOR:
			a->color = c == OPT_COLOR;
			break;
		case OPT_TITLE:
			a->title = optarg;
			break;
		case 'f':
			err = set_format(a, optarg);
			break;
		case 'o':
			err = add_output(a, optarg);
			break;
		case OPT_BASELINE:
			a->baseline = optarg;
			break;
		case OPT_FAIL_ON:
			err = kbtf_report_fail_parse(optarg, &a->fail_on);
			a->fail_on_given = true;
			break;
		case OPT_MODDIR:
			a->moddir = optarg;
			break;
		}
		if (err)
			return err;
	}
	if (p->stop)
		return 0;
	a->co = p->opts;
	a->mo.jobs = a->co.jobs;
	if (optind == p->argc)
		return kbtf_err(-EINVAL, "no module given; see 'kbtf validate --help'");
	if (!a->nr_kernels)
		return kbtf_err(-EINVAL, "no kernel given (--kernel SOURCE or --kernels SET)");
	return 0;
}

/*
 * The format of one report: its extension (.txt .json .xml .md .html), so
 * "-f json -o r.json -o r.html" writes both; else the --format given
 * before its -o; else the last --format given at all ("-o r --format
 * json"); else text.
 */
static enum kbtf_report_format output_format(const struct args *a, const struct output *o)
{
	enum kbtf_report_format f;

	if (o->path && !kbtf_report_format_of_path(o->path, &f))
		return f;
	if (o->format >= 0)
		return (enum kbtf_report_format)o->format;
	return a->format >= 0 ? (enum kbtf_report_format)a->format : KBTF_REPORT_TEXT;
}

static int write_one(const struct args *a, const struct output *o, const struct kbtf_matrix *mx,
		     const struct kbtf_baseline *bl)
{
	struct kbtf_report_opts ro = {.verbose = a->co.verbose, .title = a->title, .baseline = bl};
	enum kbtf_report_format format = output_format(a, o);
	FILE *f = stdout;
	int err;

	if (o->path) {
		f = fopen(o->path, "w");
		if (!f)
			return kbtf_err(-errno, "%s: %s", o->path, strerror(errno));
	}
	if (format == KBTF_REPORT_TEXT)
		ro.color = a->color == 1 || (a->color == -1 && !o->path && isatty(STDOUT_FILENO) &&
					     !getenv("NO_COLOR"));
	err = kbtf_report_write(f, format, mx, &ro);
	if (o->path && fclose(f) && !err)
		err = kbtf_err(-EIO, "%s: write failed", o->path);
	return err;
}

static int write_reports(const struct args *a, const struct kbtf_matrix *mx,
			 const struct kbtf_baseline *bl)
{
	static const struct output std = {NULL, -1};
	size_t i;
	int err;

	if (!a->nr_outputs)
		return write_one(a, &std, mx, bl);
	for (i = 0; i < a->nr_outputs; i++) {
		err = write_one(a, &a->outputs[i], mx, bl);
		if (err)
			return err;
	}
	return 0;
}

static int exit_code(const struct args *a, const struct kbtf_matrix *mx)
{
	if (kbtf_matrix_worst(mx) == KBTF_VERDICT_ERROR)
		return KBTF_EXIT_USAGE;
	return kbtf_report_fails(mx, a->fail_on_given ? a->fail_on : kbtf_report_fail_default())
		   ? KBTF_EXIT_FAIL
		   : KBTF_EXIT_OK;
}

static void args_fini(struct args *a)
{
	size_t i;

	for (i = 0; i < a->nr_sets; i++)
		kbtf_profile_paths_free(a->set_paths[i], a->set_counts[i]);
	for (i = 0; a->layers && i < a->nr_kernels; i++)
		free((void *)a->layers[i].paths);
	free(a->layers);
	free(a->kernels);
}

int cmd_validate(int argc, char **argv)
{
	struct args a = {.color = -1, .format = -1};
	struct kbtf_baseline *bl = NULL;
	struct cmd_parser p;
	struct kbtf_matrix mx;
	size_t nmods;
	char **mods;
	int err, rc, nm;

	cmd_parser_init(&p, &validate_spec, argc, argv);
	err = parse_args(&p, &a);
	if (err || p.stop) {
		args_fini(&a);
		return p.stop ? p.exit : cmd_error("validate", err);
	}
	/* modules given by name: their files, or one line per name not found */
	rc = cmd_module_args(argc - optind, argv + optind, a.moddir, false, &mods, &nm);
	if (rc) {
		args_fini(&a);
		return rc;
	}
	nmods = (size_t)nm;
	a.mo.layers = a.layers;
	/* a baseline that is not a report stops the run before any work */
	if (a.baseline && (err = kbtf_baseline_load(a.baseline, &bl))) {
		cmd_module_args_free(mods, nm);
		args_fini(&a);
		return cmd_error(NULL, err);
	}
	if (!a.mo.progress)
		a.mo.progress = isatty(STDERR_FILENO) && nmods * a.nr_kernels > 1;
	err =
	    kbtf_matrix_run((const char *const *)mods, nmods, a.kernels, a.nr_kernels, &a.mo, &mx);
	if (err) {
		kbtf_baseline_free(bl);
		cmd_module_args_free(mods, nm);
		args_fini(&a);
		return cmd_error(NULL, err); /* "kbtf: nosuch.ko: cannot open: ..." */
	}
	rc = exit_code(&a, &mx);
	err = write_reports(&a, &mx, bl);
	if (err)
		rc = cmd_error("validate", err);
	kbtf_baseline_free(bl);
	kbtf_matrix_fini(&mx);
	cmd_module_args_free(mods, nm);
	args_fini(&a);
	return rc;
}
