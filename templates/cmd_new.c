// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kbtf new: start an out-of-tree module project from templates/module:
 * module source, Kbuild, a Makefile using kbtf.mk, dkms.conf with the kbtf
 * hook, README, and CI (GitHub Actions, GitLab CI) that builds for a
 * kernel matrix and validates, with the matrix scripts from ci/matrix.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kbtf/buf.h"
#include "kbtf/err.h"
#include "run.h"
#include "template.h"
#include "cmd.h"

static const char new_usage[] =
    "usage: kbtf new NAME [--dir DIR] [--version V] [--kbtf-git URL] [--kbtf-ref REF] [-q]\n"
    "\n"
    "Create DIR (default ./NAME) holding a kernel module project called NAME:\n"
    "NAME.c, Kbuild, Makefile (kbuild + kbtf.mk), dkms.conf with the kbtf hook,\n"
    "README.md, ci/ (kernel matrix, the scripts CI runs), .github/workflows/\n"
    "and .gitlab-ci.yml. 'cd DIR && make' builds it with the BTF its kernel reads\n"
    "(.BTF + .BTF.base for 6.11 and later, a plain split .BTF before).\n"
    "\n"
    "  -d, --dir DIR       where to create it (must not exist, or be empty)\n"
    "      --version V     the project's first version (default 0.1.0)\n"
    "      --kbtf-git URL  where CI's kbtf job clones kbtf from (default: the origin\n"
    "                      of the kbtf source tree this kbtf runs from, if http(s))\n"
    "      --kbtf-ref REF  the branch, tag or commit it builds (default: that\n"
    "                      tree's commit; with --kbtf-git, the remote's HEAD)\n"
    "  -q, --quiet         print nothing but errors\n";

static const struct option new_options[] = {
    {"dir", required_argument, NULL, 'd'},
    {"version", required_argument, NULL, 'V'},
    {"kbtf-git", required_argument, NULL, 'G'},
    {"kbtf-ref", required_argument, NULL, 'R'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void on_file(void *ctx, const char *rel)
{
	const char *dest = ctx;

	printf("  create %s/%s\n", dest, rel);
}

/* dkms/kbtf-dkms-post-build, the script the project's POST_BUILD line names */
static int copy_post_build(const char *dir, bool quiet)
{
	static const char name[] = "kbtf-dkms-post-build";
	char from[PATH_MAX], to[PATH_MAX];
	struct kbtf_buf b = {0};
	int err;

	err = kbtf_data_path("dkms/kbtf-dkms-post-build", from, sizeof(from));
	if (err)
		return err;
	if ((size_t)snprintf(to, sizeof(to), "%s/%s", dir, name) >= sizeof(to))
		return kbtf_err(-ENAMETOOLONG, "%s: path too long", dir);
	err = kbtf_buf_from_file(from, &b);
	if (!err)
		err = kbtf_write_file_atomic(to, b.data, b.size, 0755);
	kbtf_buf_release(&b);
	if (!err && !quiet)
		printf("  create %s\n", to);
	return err;
}

/*
 * A value the CI files carry inside quotes ('...' in a GitHub expression,
 * "..." in GitLab's YAML, where $ expands) and git takes as an argument:
 * printable, no blank, no quote, $ or backslash, no leading '-'.
 */
static bool ci_value_ok(const char *v)
{
	const char *s;

	if (!*v || *v == '-')
		return false;
	for (s = v; *s; s++) {
		if (*s <= ' ' || *s > '~' || strchr("'\"`$\\", *s))
			return false;
	}
	return true;
}

/* The first line git prints for "git -C TREE ARGS...", or false. */
static bool git_line(const char *tree, const char *a1, const char *a2, const char *a3, char *out,
		     size_t len)
{
	const char *argv[] = {"git", "-C", tree, a1, a2, a3, NULL};
	struct kbtf_buf cap = {0};
	struct kbtf_run_opts ro = {.capture = &cap};
	const char *text;
	size_t n;
	bool ok;

	ok = kbtf_run(argv, &ro) == 0 && cap.data;
	if (ok) {
		text = (const char *)cap.data;
		n = strcspn(text, "\n");
		ok = n > 0 && n < len;
		if (ok)
			snprintf(out, len, "%.*s", (int)n, text);
	}
	kbtf_buf_release(&cap);
	kbtf_err_clear();
	return ok;
}

/*
 * Where CI's kbtf job gets kbtf, unless the options said: the git checkout
 * the templates come from (a kbtf run from its source tree), its origin
 * when a runner can clone that without keys (http, https, git) and the
 * commit checked out. An installed kbtf knows none: then CI's KBTF_GIT.
 */
static void source_from_tree(const char *tmpl, char *git, size_t glen, char *ref, size_t rlen)
{
	char tree[PATH_MAX + 8], real[PATH_MAX], top[PATH_MAX], url[1024];
	bool url_given = git[0] != '\0';

	snprintf(tree, sizeof(tree), "%s/../..", tmpl);
	if (!realpath(tree, real) ||
	    !git_line(real, "rev-parse", "--show-toplevel", NULL, top, sizeof(top)) ||
	    strcmp(top, real))
		return;
	if (!url_given) {
		if (!git_line(real, "config", "--get", "remote.origin.url", url, sizeof(url)) ||
		    (strncmp(url, "https://", 8) && strncmp(url, "http://", 7) &&
		     strncmp(url, "git://", 6)) ||
		    !ci_value_ok(url))
			return;
		snprintf(git, glen, "%s", url);
	}
	if (!ref[0] && !url_given)
		git_line(real, "rev-parse", "HEAD", NULL, ref, rlen);
}

static bool version_ok(const char *v)
{
	const char *s;

	if (!*v)
		return false;
	for (s = v; *s; s++) {
		if (!(*s >= '0' && *s <= '9') && !(*s >= 'a' && *s <= 'z') &&
		    !(*s >= 'A' && *s <= 'Z') && !strchr(".+~-", *s))
			return false;
	}
	return true;
}

int cmd_new(int argc, char **argv)
{
	static const struct cmd_spec spec = {
	    .name = "new",
	    .usage = new_usage,
	    .options = new_options,
	    .optstring = "d:qh",
	    .common = CMD_OPT_QUIET,
	};
	const char *dir = NULL, *version = "0.1.0", *name;
	char tmpl[PATH_MAX], matrix[PATH_MAX], ci_dir[PATH_MAX], mk[PATH_MAX], upper[64];
	char git[1024] = "", ref[256] = "";
	struct cmd_parser p;
	bool quiet;
	size_t i;
	int c, err;

	cmd_parser_init(&p, &spec, argc, argv);
	while ((c = cmd_getopt(&p)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'V':
			version = optarg;
			break;
		case 'G':
		case 'R':
			if (!ci_value_ok(optarg) ||
			    snprintf(c == 'G' ? git : ref, c == 'G' ? sizeof(git) : sizeof(ref),
				     "%s", optarg) >= (int)(c == 'G' ? sizeof(git) : sizeof(ref))) {
				fprintf(stderr,
					"kbtf: --%s '%s': want a git %s without blanks, "
					"quotes, $ or \\, not starting with '-'\n",
					c == 'G' ? "kbtf-git" : "kbtf-ref", optarg,
					c == 'G' ? "URL" : "ref");
				return KBTF_EXIT_USAGE;
			}
			break;
		}
	}
	if (p.stop)
		return p.exit;
	quiet = p.opts.quiet;
	if (argc - optind != 1) {
		fputs(new_usage, stderr);
		return KBTF_EXIT_USAGE;
	}
	name = argv[optind];
	err = kbtf_module_name_check(name);
	if (err)
		return cmd_error(NULL, err);
	if (!version_ok(version)) {
		fprintf(stderr, "kbtf: '%s' is not a version (digits, letters, . + ~ -)\n",
			version);
		return KBTF_EXIT_USAGE;
	}
	for (i = 0; name[i] && i < sizeof(upper) - 1; i++)
		upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
	upper[i] = '\0';
	if (!dir)
		dir = name;

	/* kbtf.mk: installed beside the templates, or in the source tree's sdk/ */
	if (kbtf_data_path("kbtf.mk", mk, sizeof(mk)) &&
	    kbtf_data_path("sdk/kbtf.mk", mk, sizeof(mk)))
		mk[0] = '\0';
	kbtf_err_clear();

	err = kbtf_data_path("templates/module", tmpl, sizeof(tmpl));
	if (!err)
		err = kbtf_data_path("ci/matrix", matrix, sizeof(matrix));
	if (err)
		return cmd_error(NULL, err);
	source_from_tree(tmpl, git, sizeof(git), ref, sizeof(ref));

	const struct kbtf_template_var vars[] = {
	    {"NAME", name},	  {"NAME_UPPER", upper},
	    {"VERSION", version}, {"KBTF_VERSION", KBTF_VERSION},
	    {"KBTF_MK", mk},	  {"KBTF_GIT", git},
	    {"KBTF_REF", ref},
	};
	size_t nr = sizeof(vars) / sizeof(vars[0]);
	err = kbtf_template_copy(tmpl, dir, vars, nr, quiet ? NULL : on_file, (void *)dir);
	if (!err) {
		/* the matrix scripts live in kbtf's ci/matrix; the project gets its own copy */
		if ((size_t)snprintf(ci_dir, sizeof(ci_dir), "%s/ci/matrix", dir) >= sizeof(ci_dir))
			err = kbtf_err(-ENAMETOOLONG, "%s: path too long", dir);
		else
			err = kbtf_template_copy(matrix, ci_dir, vars, nr, quiet ? NULL : on_file,
						 ci_dir);
	}
	if (!err)
		err = copy_post_build(dir, quiet);
	if (err)
		return cmd_error(dir, err);
	if (!quiet) {
		char step[PATH_MAX + 16];

		snprintf(step, sizeof(step), "cd %s && make", dir);
		printf("kbtf: module project '%s' created in %s\n", name, dir);
		printf("  %-24s build %s.ko with the BTF its kernel reads\n", step, name);
		printf("  %-24s the CI kernel matrix, run here (README.md)\n", "make ci");
		printf("  %-24s build and install with DKMS\n", "sudo make dkms-install");
		if (git[0])
			printf("CI builds kbtf from %s%s%s\n", git, ref[0] ? " at " : "", ref);
		else
			printf("CI builds kbtf from its git repository, not known here: set the CI "
			       "variable KBTF_GIT (or run kbtf new --kbtf-git URL)\n");
	}
	return KBTF_EXIT_OK;
}
