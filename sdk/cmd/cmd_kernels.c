// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kbtf kernels add|fetch|list|rm|path : the target kernels a module is
 * validated against, kept as profiles in the store (profile.h) and
 * fetched from Debian's archive (profile_fetch.h). Option parsing, calls into
 * the library, and what the user reads; nothing else.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profile_apt.h"
#include "kbtf/err.h"
#include "profile_fetch.h"
#include "kbtf/json.h"
#include "profile.h"
#include "profile_index.h"
#include "run.h"
#include "kbtf/source.h"
#include "cmd.h"
#include "util.h"

static const char kernels_usage[] =
    "usage: kbtf kernels add SOURCE... [--name NAME] [--suite SUITE] [--keep-image]\n"
    "                        [--symvers FILE] [--config FILE] [--force] [--compress]\n"
    "                        [--no-delta] [--layer FILE]... [--with PACKAGE]...\n"
    "       kbtf kernels collect [-o FILE] [--script]\n"
    "       kbtf kernels fetch SPEC... [--arch ARCH] [--mirror URL]... [--keyring FILE]\n"
    "                        [--jobs N] [--max-rate RATE] [--progress] [--dry-run]\n"
    "                        [--keep-debs] [--deb-dir DIR] [--keep-image] [--force]\n"
    "                        [--update] [--compress] [--no-delta] [--partial]\n"
    "       kbtf kernels list [--json|--pretty] [SET]\n"
    "       kbtf kernels rm NAME|GLOB...\n"
    "       kbtf kernels path NAME|SET\n"
    "       kbtf kernels symvers NAME\n"
    "       kbtf kernels config NAME\n"
    "       kbtf kernels btf NAME [-o FILE]\n"
    "       kbtf kernels repack [SET]\n"
    "       kbtf kernels check [SET] [--progress]\n"
    "\n"
    "Kernel profiles (BTF, release, config, Module.symvers) are stored in\n"
    "${XDG_CACHE_HOME:-~/.cache}/kbtf/kernels/NAME; NAME is the kernel release.\n"
    "\n"
    "  add      store each SOURCE (boot image, vmlinux, raw BTF, a package: .deb,\n"
    "           .rpm, Arch .pkg.tar.zst, BTFHub .btf.tar.xz, a bundle; a tarball\n"
    "           or directory laid out like one; /sys/kernel/btf/vmlinux, a release\n"
    "           name) as a profile\n"
    "  collect  write a bundle of the running kernel (BTF, config, Module.symvers,\n"
    "           loaded modules), as the standalone kbtf-collect.sh does on a\n"
    "           customer's machine; --script prints that script\n"
    "  fetch    download distribution kernels and store them; SPEC is\n"
    "           DISTRO[/RELEASE][/ARCH]:PATTERN, or @FILE with one SPEC per line.\n"
    "           DISTRO: debian (default release bookworm), ubuntu (noble), fedora\n"
    "           (release required), centos-stream, rocky, alma, rhel (10; rhel needs\n"
    "           --mirror), opensuse (tumbleweed, or a Leap version), arch, amazon\n"
    "           (2023). PATTERN: a kernel release glob, optionally after a package\n"
    "           prefix: 'linux-image-6.12.*-amd64', 'kernel-core-6.12.0-55*'.\n"
    "           Only what the profile needs is downloaded (headers alone where\n"
    "           they carry the BTF), each package checked against the SHA-256\n"
    "           of the repository's metadata\n"
    "  list     the stored profiles (all, or those of SET)\n"
    "  rm       remove profiles by name or glob\n"
    "  path     print the directory of each profile of a set\n"
    "  symvers  print the Module.symvers a profile keeps (in its index)\n"
    "  config   print the kernel config a profile keeps (whole, or against\n"
    "           config.ref)\n"
    "  btf      write a profile's vmlinux BTF, raw, however it is stored (a delta,\n"
    "           LZ4), for bpftool or libbpf: to FILE, or to stdout when not a TTY\n"
    "  repack   store the raw profiles of SET (default all) that no delta is against\n"
    "           again, as deltas where that pays: a store made before deltas were\n"
    "           the default, or with --no-delta\n"
    "  check    read each profile of SET (default all) whole and hold its index\n"
    "           against it: what validate checks only where it reads (BTF, config,\n"
    "           Module.symvers, the references a delta needs, every name, offset\n"
    "           and symbol of the index). One line per profile; exit 1 when one\n"
    "           is damaged or does not agree with its index\n"
    "\n"
    "A SET is 'all', a name glob ('6.12.*-rt-amd64'), a fetch SPEC (what fetch\n"
    "stored for it), or @FILE, or several of them separated by commas.\n"
    "\n"
    "  -n, --name NAME     profile name (add, one SOURCE; default: its release)\n"
    "  -s, --suite SUITE   record the Debian suite (add)\n"
    "  -S, --symvers FILE  Module.symvers to keep (add)\n"
    "  -c, --config FILE   kernel config to keep (add)\n"
    "  -L, --layer FILE    a split BTF layer stacked on the kernel's BTF, e.g.\n"
    "                      vmlinux.vars (add; repeatable, bottom first)\n"
    "  -w, --with PACKAGE  another package of the same kernel (headers, modules,\n"
    "                      -devel, kernel-abi-stablelists), read with SOURCE into\n"
    "                      one profile (add; repeatable)\n"
    "  -o, --output FILE   the bundle to write (collect; default\n"
    "                      ./kbtf-bundle-RELEASE.tar.gz), the BTF (btf)\n"
    "      --script        print kbtf-collect.sh (collect)\n"
    "  -i, --keep-image    keep the boot image, for boot tests\n"
    "  -f, --force         replace profiles stored already\n"
    "  -z, --compress      store the BTF as an LZ4 frame (2.5x smaller, slower to load)\n"
    "      --no-delta      store the BTF whole. By default it is stored as a delta\n"
    "                      against a stored kernel of the same series when that is\n"
    "                      under 40% of it (0.4-30% on Debian's; records are rebuilt\n"
    "                      as validate reads them), and the index against that\n"
    "                      kernel's index; the first kernel of a series stays whole.\n"
    "                      --delta, the default, is accepted\n"
    "  -a, --arch ARCH     amd64 (x86_64) or arm64 (aarch64), when SPEC names none\n"
    "  -m, --mirror URL    the distribution's mirror root (rhel, amazon: a repository,\n"
    "                      the directory holding repodata/); repeatable. Default:\n"
    "                      mirrors.conf (~/.config/kbtf, then /etc/kbtf), then the\n"
    "                      distribution's own\n"
    "      --keyring FILE  OpenPGP keyring that signs the Release files (debian,\n"
    "                      ubuntu) and databases (arch)\n"
    "  -j, --jobs N        downloads at once (fetch; default 4)\n"
    "      --max-rate RATE bandwidth budget over all downloads, bytes/s (k, M, G)\n"
    "      --progress      byte-level progress on stderr (default: when it is a TTY);\n"
    "                      check: the profile being read\n"
    "      --partial       of a .deb image package, download only the head that holds\n"
    "                      the boot image and config (its SHA-256 cannot be checked)\n"
    "  -k, --keep-debs     keep downloaded packages (reused by the next fetch)\n"
    "  -d, --deb-dir DIR   packages go to DIR/SUITE/ (Debian) or DIR/DISTRO/RELEASE/\n"
    "                      (implies --keep-debs)\n"
    "  -u, --update        refresh the repository metadata even if less than a day old\n"
    "      --dry-run       show what fetch would download and its size, and stop\n"
    "      --json          list as JSON; --pretty indented\n"
    "  -h, --help          this text\n"
    "\n"
    "Exit status: 0 done; 1 collect: the running kernel has no BTF; 2 bad usage,\n"
    "unreadable SOURCE, nothing matches; 3 a download or signature check failed\n"
    "(fetch), collect's sh failed.\n";

#define KERNELS_MAX_WITH 16

struct kopts {
	const char *name, *suite, *symvers, *config, *deb_dir, *arch, *keyring;
	const char *mirrors[8];
	size_t nr_mirrors;
	unsigned long long max_rate;
	bool show_progress, partial;
	const char *layers[KBTF_KERNEL_MAX_LAYERS];
	size_t nr_layers;
	const char *with[KERNELS_MAX_WITH];
	size_t nr_with;
	const char *output;
	bool keep_image, force, compress, delta, keep_debs, update, dry_run, script;
	struct cmd_opts co; /* --jobs, --json, --pretty */
};

enum {
	OPT_DRY_RUN = 256,
	OPT_JSON,
	OPT_PRETTY,
	OPT_MAX_RATE,
	OPT_PROGRESS,
	OPT_KEYRING,
	OPT_SCRIPT,
	OPT_PARTIAL,
	OPT_DELTA,
	OPT_NO_DELTA
};

/* "500k", "2M", "1G", "123456" -> bytes; 0 when malformed. */
static unsigned long long parse_rate(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || !v)
		return 0;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10, end++;
		break;
	case 'm':
	case 'M':
		v <<= 20, end++;
		break;
	case 'g':
	case 'G':
		v <<= 30, end++;
		break;
	}
	return *end ? 0 : v;
}

/* -1 to go on, else the exit code to return (--help shown, or a bad option reported). */
static int parse_opts(int argc, char **argv, struct kopts *o)
{
	/* clang-format off */
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "suite", required_argument, NULL, 's' },
		{ "symvers", required_argument, NULL, 'S' },
		{ "config", required_argument, NULL, 'c' },
		{ "layer", required_argument, NULL, 'L' },
		{ "with", required_argument, NULL, 'w' },
		{ "output", required_argument, NULL, 'o' },
		{ "script", no_argument, NULL, OPT_SCRIPT },
		{ "keep-image", no_argument, NULL, 'i' },
		{ "force", no_argument, NULL, 'f' },
		{ "compress", no_argument, NULL, 'z' },
		{ "delta", no_argument, NULL, OPT_DELTA },
		{ "no-delta", no_argument, NULL, OPT_NO_DELTA },
		{ "keep-debs", no_argument, NULL, 'k' },
		{ "deb-dir", required_argument, NULL, 'd' },
		{ "update", no_argument, NULL, 'u' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "arch", required_argument, NULL, 'a' },
		{ "mirror", required_argument, NULL, 'm' },
		{ "keyring", required_argument, NULL, OPT_KEYRING },
		{ "max-rate", required_argument, NULL, OPT_MAX_RATE },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "partial", no_argument, NULL, OPT_PARTIAL },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "pretty", no_argument, NULL, OPT_PRETTY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* clang-format on */
	static const struct cmd_spec spec = {
	    .name = "kernels",
	    .usage = kernels_usage,
	    .options = longopts,
	    .optstring = "n:s:S:c:L:w:o:ifzkd:uj:a:m:h",
	    .common = CMD_OPT_JOBS | CMD_OPT_JSON,
	    .jobs_max = 64,
	};
	struct cmd_parser p;
	int c;

	memset(o, 0, sizeof(*o));
	o->delta = true; /* the store deduplicates unless told not to */
	cmd_parser_init(&p, &spec, argc, argv);
	while ((c = cmd_getopt(&p)) != -1) {
		switch (c) {
		case 'n':
			o->name = optarg;
			break;
		case 's':
			o->suite = optarg;
			break;
		case 'S':
			o->symvers = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'L':
			if (o->nr_layers == KBTF_KERNEL_MAX_LAYERS) {
				fprintf(stderr, "kbtf kernels: more than %d --layer options\n",
					KBTF_KERNEL_MAX_LAYERS);
				return KBTF_EXIT_USAGE;
			}
			o->layers[o->nr_layers++] = optarg;
			break;
		case 'w':
			if (o->nr_with == KERNELS_MAX_WITH) {
				fprintf(stderr, "kbtf kernels: more than %d --with options\n",
					KERNELS_MAX_WITH);
				return KBTF_EXIT_USAGE;
			}
			o->with[o->nr_with++] = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_SCRIPT:
			o->script = true;
			break;
		case 'i':
			o->keep_image = true;
			break;
		case 'f':
			o->force = true;
			break;
		case 'z':
			o->compress = true;
			break;
		case OPT_DELTA:
			o->delta = true; /* the default; kept for scripts that ask */
			break;
		case OPT_NO_DELTA:
			o->delta = false;
			break;
		case 'k':
			o->keep_debs = true;
			break;
		case 'd':
			o->deb_dir = optarg;
			o->keep_debs = true;
			break;
		case 'u':
			o->update = true;
			break;
		case OPT_DRY_RUN:
			o->dry_run = true;
			break;
		case 'a':
			o->arch = optarg;
			break;
		case 'm':
			if (o->nr_mirrors + 1 == sizeof(o->mirrors) / sizeof(o->mirrors[0])) {
				fprintf(stderr, "kbtf kernels: too many --mirror options\n");
				return KBTF_EXIT_USAGE;
			}
			o->mirrors[o->nr_mirrors++] = optarg;
			break;
		case OPT_KEYRING:
			o->keyring = optarg;
			break;
		case OPT_MAX_RATE:
			o->max_rate = parse_rate(optarg);
			if (!o->max_rate) {
				fprintf(stderr,
					"kbtf kernels: --max-rate '%s': expected bytes per second "
					"(e.g. 500k, 2M)\n",
					optarg);
				return KBTF_EXIT_USAGE;
			}
			break;
		case OPT_PROGRESS:
			o->show_progress = true;
			break;
		case OPT_PARTIAL:
			o->partial = true;
			break;
		}
	}
	o->co = p.opts;
	return p.stop ? p.exit : -1;
}

/* The profile store, or the exit code when it cannot be opened. */
static int open_store(struct kbtf_store **s)
{
	int err = kbtf_store_open(NULL, s);

	return err ? cmd_error("kernels", err) : KBTF_EXIT_OK;
}

static void human_size(unsigned long long bytes, char *buf, size_t len)
{
	if (bytes >= 10ull << 20)
		snprintf(buf, len, "%llu MB", bytes >> 20);
	else if (bytes >= 1 << 20)
		snprintf(buf, len, "%.1f MB", (double)bytes / (1 << 20));
	else
		snprintf(buf, len, "%llu kB", (bytes + 1023) >> 10);
}

static void describe(const struct kbtf_profile_info *p, char *buf, size_t len)
{
	char layers[32] = "";

	if (p->btf_layers)
		snprintf(layers, sizeof(layers), " in vmlinux + %u layer%s", p->btf_layers,
			 p->btf_layers == 1 ? "" : "s");
	snprintf(buf, len, "%u types%s%s%s%s", p->btf_types, layers,
		 p->has_config ? ", config" : "", p->has_symvers ? ", Module.symvers" : "",
		 p->has_image ? ", image" : "");
}

/* ------------------------------------------------------------------ add */

/* The facts of a stored profile given as a SOURCE: a directory or a name. */
static int profile_facts(struct kbtf_store *s, const char *src, struct kbtf_profile_info *out)
{
	const struct kbtf_profile_info *p;

	if (kbtf_profile_is_dir(src))
		return kbtf_profile_read_info(src, out);
	p = kbtf_store_find(s, src);
	if (!p)
		return -ENOENT;
	*out = *p;
	return 0;
}

static int add_one(struct kbtf_store *s, const char *src, const struct kopts *o)
{
	struct kbtf_kernel_opts ko = {
	    .symvers = o->symvers, .with = o->with, .nr_with = o->nr_with, .module_exports = true};
	struct kbtf_profile_add_opts ao = {
	    .name = o->name,
	    .suite = o->suite,
	    .symvers = o->symvers,
	    .config = o->config,
	    .keep_image = o->keep_image,
	    .replace = o->force,
	    .compress = o->compress,
	    .delta = o->delta,
	};
	struct kbtf_profile_info info, from;
	struct kbtf_kernel *k = NULL;
	char what[160], dir[4096], version[96];
	size_t i;
	int err;

	err = kbtf_kernel_open(src, &ko, &k);
	for (i = 0; !err && i < o->nr_layers; i++)
		err = kbtf_kernel_add_layer(k, o->layers[i]);
	/* a package's version is in its file name (NAME_VERSION_ARCH.deb) */
	if (!err && k->format == KBTF_FMT_DEB &&
	    !kbtf_deb_name_version(src, version, sizeof(version)))
		ao.package_version = version;
	/* re-storing a profile (e.g. --compress) keeps where it came from */
	if (!err && k->format == KBTF_FMT_PROFILE && !profile_facts(s, src, &from)) {
		ao.name = ao.name ? ao.name : from.name;
		ao.suite = ao.suite ? ao.suite : from.suite;
		ao.origin = from.origin;
		ao.package_version = from.package_version;
	}
	if (!err)
		err = kbtf_store_add(s, k, &ao, &info);
	if (err) {
		cmd_report_error(src);
		kbtf_kernel_free(k);
		return err;
	}
	describe(&info, what, sizeof(what));
	kbtf_store_profile_dir(s, info.name, dir, sizeof(dir));
	printf("stored %s (%s) in %s\n", info.name, what, dir);
	if (o->keep_image && !info.has_image)
		fprintf(stderr, "kbtf: %s: no boot image to keep\n", src);
	kbtf_kernel_free(k);
	return 0;
}

static int kernels_add(int argc, char **argv, const struct kopts *o)
{
	struct kbtf_store *s;
	int i, rc;

	if (argc < 1) {
		fprintf(stderr, "kbtf: kernels add: no SOURCE given\n");
		return KBTF_EXIT_USAGE;
	}
	if (o->name && argc > 1) {
		fprintf(stderr, "kbtf: kernels add: --name takes one SOURCE\n");
		return KBTF_EXIT_USAGE;
	}
	if (o->nr_with && argc > 1) {
		fprintf(stderr, "kbtf: kernels add: --with goes with one SOURCE (the packages "
				"of one kernel)\n");
		return KBTF_EXIT_USAGE;
	}
	rc = open_store(&s);
	if (rc)
		return rc;
	for (i = 0; i < argc; i++)
		rc = cmd_worst(rc, cmd_exit_code(add_one(s, argv[i], o)));
	kbtf_store_free(s);
	return rc;
}

/* -------------------------------------------------------------- collect */

/*
 * sdk/collect/kbtf-collect.sh, built in: the one definition of a bundle,
 * printed by --script for customers and run by collect here.
 */
extern const char kbtf_collect_script[];
__asm__(".pushsection .rodata\n"
	".global kbtf_collect_script\n"
	"kbtf_collect_script:\n"
	".incbin \"sdk/collect/kbtf-collect.sh\"\n"
	".byte 0\n"
	".popsection\n");

static int kernels_collect(int argc, const struct kopts *o)
{
	const char *argv[] = {
	    "sh",      "-c", kbtf_collect_script, "kbtf-collect.sh", o->output ? "-o" : NULL,
	    o->output, NULL};
	int rc;

	if (argc) {
		fprintf(stderr, "kbtf: kernels collect: takes no SOURCE (it describes the "
				"running kernel)\n");
		return KBTF_EXIT_USAGE;
	}
	if (o->script) {
		fputs(kbtf_collect_script, stdout);
		return KBTF_EXIT_OK;
	}
	fflush(stdout);
	rc = kbtf_run(argv, NULL);
	if (rc < 0)
		return cmd_error("kernels collect", rc);
	/* the script's own codes: 0 written, 1 no BTF, 2 usage or cannot write */
	return rc <= 2 ? rc : KBTF_EXIT_TOOL;
}

/* ---------------------------------------------------------------- fetch */

/* Byte progress shown on stderr: one line rewritten in place. */
static bool bytes_shown;

static void progress(const struct kbtf_fetch_item *it, size_t i, size_t total, void *ctx)
{
	char what[160], size[32];

	if (bytes_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	printf("[%zu/%zu] %s: ", i + 1, total, it->release);
	switch (it->state) {
	case KBTF_FETCH_DOWNLOADING:
		printf("downloading");
		for (size_t j = 0; j < it->nr_pkgs; j++) {
			if (it->pkgs[j].second == it->second_stage)
				printf(" %s", it->pkgs[j].name);
		}
		printf("\n");
		break;
	case KBTF_FETCH_EXTRACTING:
		human_size(it->download_bytes, size, sizeof(size));
		if (it->downloaded)
			printf("extracting (%s downloaded in %.1f s)\n", size, it->download_secs);
		else
			printf("extracting (on disk already)\n");
		break;
	case KBTF_FETCH_STORED:
		describe(&it->info, what, sizeof(what));
		printf("stored (%s) in %.1f s%s%s\n", what, it->extract_secs,
		       it->message[0] ? "; note: " : "", it->message);
		break;
	case KBTF_FETCH_PRESENT:
		printf("already stored (%u types)\n", it->info.btf_types);
		break;
	case KBTF_FETCH_FAILED:
		printf("FAILED: %s\n", it->message);
		break;
	default:
		printf("%s\n", kbtf_fetch_state_str(it->state));
	}
	fflush(stdout);
}

static void bytes_progress(uint64_t done, uint64_t total, size_t files_done, size_t files,
			   void *ctx)
{
	char d[32], t[32];

	human_size(done, d, sizeof(d));
	human_size(total, t, sizeof(t));
	fprintf(stderr, "\r\033[K%s of %s, %zu of %zu files", d, t, files_done, files);
	if (files_done == files)
		fputs("\r\033[K", stderr);
	bytes_shown = files_done != files;
	fflush(stderr);
}

static void print_plan(const struct kbtf_fetch_plan *plan, bool partial)
{
	uint64_t least, most, sum_least = 0, sum_most = 0;
	char a[32], b[32];
	size_t i, j, todo = 0;

	for (i = 0; i < plan->nr; i++) {
		const struct kbtf_fetch_item *it = &plan->items[i];

		printf("%s/%s/%s %-32s ", it->distro, it->suite, it->arch, it->release);
		if (it->state == KBTF_FETCH_PRESENT) {
			printf("(stored)\n");
			continue;
		}
		todo++;
		kbtf_fetch_item_estimate(it, partial, &least, &most);
		sum_least += least;
		sum_most += most;
		human_size(least, a, sizeof(a));
		human_size(most, b, sizeof(b));
		if (least == most)
			printf("%s:", a);
		else if (partial)
			printf("%s (up to %s):", a, b);
		else
			printf("%s (%s if the headers lack BTF):", a, b);
		for (j = 0; j < it->nr_pkgs; j++) {
			if (!it->pkgs[j].second)
				printf(" %s", it->pkgs[j].name);
		}
		for (j = 0; j < it->nr_pkgs; j++) {
			if (it->pkgs[j].second && it->btf != KBTF_FETCH_BTF_HEADERS)
				printf(" [%s]", it->pkgs[j].name);
		}
		printf("\n");
	}
	human_size(sum_least, a, sizeof(a));
	human_size(sum_most, b, sizeof(b));
	printf("total: %zu kernel%s to fetch, %s (%llu bytes)", todo, todo == 1 ? "" : "s", a,
	       (unsigned long long)sum_least);
	if (sum_most != sum_least)
		printf(", up to %s", b);
	printf("\n");
}

static int fetch_summary(const struct kbtf_fetch_plan *plan, double secs)
{
	unsigned long long bytes = 0;
	size_t i, stored = 0, present = 0, failed = 0;
	int rc = KBTF_EXIT_OK;
	char size[32];

	for (i = 0; i < plan->nr; i++) {
		const struct kbtf_fetch_item *it = &plan->items[i];

		bytes += it->download_bytes;
		stored += it->state == KBTF_FETCH_STORED;
		present += it->state == KBTF_FETCH_PRESENT;
		if (it->state == KBTF_FETCH_FAILED) {
			failed++;
			rc = cmd_worst(rc, cmd_exit_code(it->err));
		}
	}
	human_size(bytes, size, sizeof(size));
	printf("%zu stored, %zu already stored, %zu failed; %s downloaded (%llu bytes); %.1f s\n",
	       stored, present, failed, size, bytes, secs);
	for (i = 0; i < plan->nr; i++) {
		if (plan->items[i].state == KBTF_FETCH_FAILED)
			fprintf(stderr, "kbtf: %s: %s\n", plan->items[i].release,
				plan->items[i].message);
	}
	return rc;
}

static int kernels_fetch(int argc, char **argv, const struct kopts *o)
{
	struct kbtf_fetch_opts fo = {
	    .deb_dir = o->deb_dir,
	    .keep_debs = o->keep_debs,
	    .force = o->force,
	    .update = o->update,
	    .keep_image = o->keep_image,
	    .compress = o->compress,
	    .delta = o->delta,
	    .jobs = (unsigned int)o->co.jobs,
	    .max_rate = o->max_rate,
	    .partial = o->partial,
	    .arch = o->arch,
	    .mirrors = o->nr_mirrors ? o->mirrors : NULL,
	    .keyring = o->keyring,
	    .progress = progress,
	    .bytes = o->show_progress || isatty(STDERR_FILENO) ? bytes_progress : NULL,
	};
	struct kbtf_fetch_plan plan;
	struct kbtf_store *s;
	size_t i, todo = 0;
	double t0 = kbtf_now_s();
	int err, rc;

	if (argc < 1) {
		fprintf(stderr, "kbtf: kernels fetch: no SPEC given (e.g. "
				"'debian:linux-image-6.12.*-amd64', 'fedora/41:kernel-core-*')\n");
		return KBTF_EXIT_USAGE;
	}
	rc = open_store(&s);
	if (rc)
		return rc;
	err = kbtf_fetch_plan(s, (const char *const *)argv, (size_t)argc, &fo, &plan);
	if (err) {
		rc = cmd_error("kernels fetch", err);
		kbtf_store_free(s);
		return rc;
	}
	for (i = 0; i < plan.nr; i++)
		todo += plan.items[i].state != KBTF_FETCH_PRESENT;
	printf("%zu kernel%s, %zu to fetch, %zu stored already (%s)\n", plan.nr,
	       plan.nr == 1 ? "" : "s", todo, plan.nr - todo, kbtf_store_root(s));
	if (o->dry_run) {
		print_plan(&plan, o->partial);
		rc = KBTF_EXIT_OK;
	} else {
		kbtf_fetch_run(s, &plan, &fo);
		rc = fetch_summary(&plan, kbtf_now_s() - t0);
	}
	kbtf_fetch_plan_free(&plan);
	kbtf_store_free(s);
	return rc;
}

/* ------------------------------------------------------------------ list */

static void list_json(struct kbtf_store *s, const struct kbtf_profile_info *const *v, size_t n,
		      bool pretty)
{
	struct kbtf_json *j = kbtf_json_new(stdout, pretty);
	char dir[4096];
	size_t i;

	kbtf_json_object_start(j);
	kbtf_json_kv_string(j, "store", kbtf_store_root(s));
	kbtf_json_kv_array(j, "profiles");
	for (i = 0; i < n; i++) {
		const struct kbtf_profile_info *p = v[i];

		kbtf_store_profile_dir(s, p->name, dir, sizeof(dir));
		kbtf_json_object_start(j);
		kbtf_json_kv_string(j, "name", p->name);
		kbtf_json_kv_string(j, "path", dir);
		kbtf_json_kv_string(j, "release", p->release);
		kbtf_json_kv_string(j, "version", p->version);
		kbtf_json_kv_string(j, "flavour", p->flavour);
		kbtf_json_kv_string(j, "suite", p->suite);
		kbtf_json_kv_string(j, "arch", p->arch);
		kbtf_json_kv_string(j, "package_version", p->package_version);
		kbtf_json_kv_string(j, "origin", p->origin);
		kbtf_json_kv_object(j, "btf");
		kbtf_json_kv_string(j, "encoding", p->btf_encoding);
		kbtf_json_kv_uint(j, "size", p->btf_size);
		kbtf_json_kv_uint(j, "stored", p->btf_stored);
		kbtf_json_kv_uint(j, "types", p->btf_types);
		kbtf_json_kv_uint(j, "layers", p->btf_layers);
		kbtf_json_object_end(j);
		kbtf_json_kv_bool(j, "config", p->has_config);
		kbtf_json_kv_bool(j, "symvers", p->has_symvers);
		kbtf_json_kv_bool(j, "image", p->has_image);
		kbtf_json_kv_int(j, "added", p->added);
		kbtf_json_object_end(j);
	}
	kbtf_json_array_end(j);
	kbtf_json_object_end(j);
	kbtf_json_free(j);
}

static void list_text(struct kbtf_store *s, const struct kbtf_profile_info *const *v, size_t n)
{
	unsigned long long stored = 0;
	char size[32];
	size_t i;

	if (!n) {
		printf("no kernel profiles in %s; add some with 'kbtf kernels add' or "
		       "'kbtf kernels fetch'\n",
		       kbtf_store_root(s));
		return;
	}
	printf("%-30s %-9s %-20s %7s %8s %-6s %-7s %s\n", "NAME", "SUITE", "PACKAGE", "TYPES",
	       "BTF", "CONFIG", "SYMVERS", "IMAGE");
	for (i = 0; i < n; i++) {
		const struct kbtf_profile_info *p = v[i];

		human_size(p->btf_stored, size, sizeof(size));
		printf("%-30s %-9s %-20s %7u %8s %-6s %-7s %s\n", p->name,
		       p->suite[0] ? p->suite : "-",
		       p->package_version[0] ? p->package_version : "-", p->btf_types, size,
		       p->has_config ? "yes" : "no", p->has_symvers ? "yes" : "no",
		       p->has_image ? "yes" : "no");
		stored += p->btf_stored;
	}
	human_size(stored, size, sizeof(size));
	printf("%zu profile%s (BTF %s) in %s\n", n, n == 1 ? "" : "s", size, kbtf_store_root(s));
}

static int kernels_list(int argc, char **argv, const struct kopts *o)
{
	const struct kbtf_profile_info *const *all;
	const struct kbtf_profile_info **set = NULL;
	struct kbtf_store *s;
	size_t n;
	int err, rc;

	if (argc > 1) {
		fprintf(stderr, "kbtf: kernels list: one SET at most (join items with commas)\n");
		return KBTF_EXIT_USAGE;
	}
	rc = open_store(&s);
	if (rc)
		return rc;
	err = argc ? kbtf_store_resolve(s, argv[0], &set, &n) : kbtf_store_list(s, &all, &n);
	if (err) {
		rc = cmd_error("kernels list", err);
		kbtf_store_free(s);
		return rc;
	}
	if (set)
		all = set;
	if (o->co.json)
		list_json(s, all, n, o->co.pretty);
	else
		list_text(s, all, n);
	free(set);
	kbtf_store_free(s);
	return KBTF_EXIT_OK;
}

/* ------------------------------------------------------------ rm, path */

/* A name removed, or why not (kbtf_store_remove_many()'s report). */
static void rm_done(const char *name, int err, void *ctx)
{
	if (err) {
		cmd_report_error(name);
		(*(int *)ctx)++;
	} else {
		printf("removed %s\n", name);
	}
}

/* Remove the profiles one set item names; returns how many failed. */
static int rm_item(struct kbtf_store *s, const char *item)
{
	const struct kbtf_profile_info **set;
	const char **ptrs;
	char(*names)[256];
	size_t n, i;
	int bad = 0;

	if (!strcmp(item, "all") || item[0] == '@' || strchr(item, ',')) {
		fprintf(stderr, "kbtf: kernels rm: '%s': give names or globs\n", item);
		return 1;
	}
	if (kbtf_store_resolve(s, item, &set, &n)) {
		cmd_report_error("kernels rm");
		return 1;
	}
	/* removing reloads the store: keep the names, not the entries */
	names = calloc(n, sizeof(*names));
	if (!names) {
		free(set);
		fprintf(stderr, "kbtf: kernels rm: out of memory\n");
		return 1;
	}
	for (i = 0; i < n; i++)
		snprintf(names[i], sizeof(names[i]), "%s", set[i]->name);
	free(set);
	ptrs = calloc(n + 1, sizeof(*ptrs));
	for (i = 0; ptrs && i < n; i++)
		ptrs[i] = names[i];
	/* one lock, one rewrite of the store's list and one collection for
	 * the whole glob */
	if (!ptrs) {
		fprintf(stderr, "kbtf: kernels rm: out of memory\n");
		bad = 1;
	} else if (kbtf_store_remove_many(s, ptrs, n, rm_done, &bad) && !bad) {
		cmd_report_error("kernels rm"); /* the store's own failure */
		bad = 1;
	}
	free(ptrs);
	free(names);
	return bad;
}

static int kernels_rm(int argc, char **argv)
{
	struct kbtf_store *s;
	int a, bad = 0, rc;

	if (argc < 1) {
		fprintf(stderr, "kbtf: kernels rm: no NAME given\n");
		return KBTF_EXIT_USAGE;
	}
	rc = open_store(&s);
	if (rc)
		return rc;
	for (a = 0; a < argc; a++)
		bad += rm_item(s, argv[a]);
	kbtf_store_free(s);
	return bad ? KBTF_EXIT_USAGE : KBTF_EXIT_OK;
}

/* ---------------------------------------------------------------- repack */

/*
 * Store the raw profile @name again, as "add --force NAME" would, with
 * its BTF as a delta where that pays: not when another profile's delta
 * is against it (it stays their reference), nor LZ4 or layered ones.
 * @saved grows by the BTF bytes no longer stored.
 */
static int repack_one(struct kbtf_store *s, const char *name, size_t *packed,
		      unsigned long long *saved)
{
	struct kbtf_profile_add_opts ao = {.replace = true, .delta = true};
	const struct kbtf_profile_info *p = kbtf_store_find(s, name);
	struct kbtf_profile_info cur, info;
	struct kbtf_kernel_opts ko = {0};
	struct kbtf_kernel *k = NULL;
	char dir[4096], a[32], b[32];
	int err;

	if (!p)
		return 0; /* removed meanwhile */
	cur = *p;
	if (!strcmp(cur.btf_encoding, "delta"))
		return 0;
	if (strcmp(cur.btf_encoding, "raw") || cur.btf_layers) {
		printf("%s: stays %s (%s)\n", name, cur.btf_layers ? "raw" : cur.btf_encoding,
		       cur.btf_layers ? "--layer" : "--compress");
		return 0;
	}
	if (kbtf_store_is_reference(s, name)) {
		printf("%s: stays raw: the reference of a delta\n", name);
		return 0;
	}
	ao.name = cur.name;
	ao.suite = cur.suite;
	ao.origin = cur.origin;
	ao.package_version = cur.package_version;
	ao.keep_image = cur.has_image;
	err = kbtf_store_profile_dir(s, name, dir, sizeof(dir));
	if (!err)
		err = kbtf_kernel_open(dir, &ko, &k);
	if (!err)
		err = kbtf_store_add(s, k, &ao, &info);
	kbtf_kernel_free(k);
	if (err) {
		cmd_report_error(name);
		return err;
	}
	if (strcmp(info.btf_encoding, "delta")) {
		printf("%s: stays raw: no stored kernel of its series gives a delta that pays\n",
		       name);
		return 0;
	}
	human_size(info.btf_stored, a, sizeof(a));
	human_size(info.btf_size, b, sizeof(b));
	printf("%s: BTF stored as a delta, %s instead of %s\n", name, a, b);
	(*packed)++;
	*saved += info.btf_size - info.btf_stored;
	return 0;
}

static int kernels_repack(int argc, char **argv)
{
	const struct kbtf_profile_info **set = NULL;
	unsigned long long saved = 0;
	size_t n = 0, i, packed = 0;
	struct kbtf_store *s;
	char **names = NULL, size[32];
	int err, rc;

	if (argc > 1) {
		fprintf(stderr, "kbtf: kernels repack: one SET at most (default all)\n");
		return KBTF_EXIT_USAGE;
	}
	rc = open_store(&s);
	if (rc)
		return rc;
	err = kbtf_store_resolve(s, argc ? argv[0] : "all", &set, &n);
	if (!err && n && !(names = calloc(n, sizeof(*names))))
		err = kbtf_err_nomem();
	/* the set's entries go stale as the store changes: their names stay */
	for (i = 0; !err && i < n; i++)
		if (!(names[i] = strdup(set[i]->name)))
			err = kbtf_err_nomem();
	free(set);
	if (err) {
		rc = cmd_error("kernels repack", err);
		n = 0;
	}
	for (i = 0; i < n; i++)
		rc = cmd_worst(rc, cmd_exit_code(repack_one(s, names[i], &packed, &saved)));
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	kbtf_store_free(s);
	if (!err) {
		human_size(saved, size, sizeof(size));
		printf("%zu profile%s repacked, %s of BTF less\n", packed, packed == 1 ? "" : "s",
		       size);
	}
	return rc;
}

static int kernels_path(int argc, char **argv)
{
	const struct kbtf_profile_info **set;
	struct kbtf_store *s;
	char dir[4096];
	size_t n, i;
	int err, rc;

	if (argc != 1) {
		fprintf(stderr, "kbtf: kernels path: one NAME or SET\n");
		return KBTF_EXIT_USAGE;
	}
	rc = open_store(&s);
	if (rc)
		return rc;
	err = kbtf_store_resolve(s, argv[0], &set, &n);
	if (err) {
		rc = cmd_error("kernels path", err);
		kbtf_store_free(s);
		return rc;
	}
	for (i = 0; i < n; i++) {
		kbtf_store_profile_dir(s, set[i]->name, dir, sizeof(dir));
		printf("%s\n", dir);
	}
	free(set);
	kbtf_store_free(s);
	return KBTF_EXIT_OK;
}

/*
 * The directory of the one profile @name names (a name, or a set of one),
 * for the verbs that print a file of one profile: 0, or the error recorded.
 */
static int one_profile_dir(const char *name, char *dir, size_t len)
{
	const struct kbtf_profile_info **set = NULL;
	struct kbtf_store *s;
	size_t n = 0;
	int err = kbtf_store_open(NULL, &s);

	if (err)
		return err;
	err = kbtf_store_resolve(s, name, &set, &n);
	if (!err && n != 1)
		err = kbtf_err(-EINVAL, "%s: %zu profiles; give the NAME of one", name, n);
	if (!err)
		err = kbtf_store_profile_dir(s, set[0]->name, dir, len);
	free(set);
	kbtf_store_free(s);
	return err;
}

/* The profile's Module.symvers as the kernel shipped it, from its file or its index. */
static int kernels_symvers(int argc, char **argv)
{
	struct kbtf_profile_info info;
	struct kbtf_buf b;
	char dir[4096] = "", path[4200];
	int err;

	if (argc != 1) {
		fprintf(stderr, "kbtf: kernels symvers: one NAME\n");
		return KBTF_EXIT_USAGE;
	}
	err = one_profile_dir(argv[0], dir, sizeof(dir));
	if (!err)
		err = kbtf_profile_read_info(dir, &info);
	if (!err && !info.has_symvers)
		err = kbtf_err(-ENOENT, "%s: the profile has no Module.symvers", dir);
	snprintf(path, sizeof(path), "%s/%s", dir, KBTF_PROFILE_SYMVERS);
	if (!err && kbtf_is_file(path)) {
		/* an older profile's own copy (zstd) */
		err = kbtf_profile_read_text(path, &b);
		if (!err && fwrite(b.data, 1, b.size, stdout) != b.size)
			err = kbtf_err(-EIO, "cannot write Module.symvers");
		if (!err)
			kbtf_buf_release(&b);
	} else if (!err) {
		err = kbtf_pindex_print_symvers(dir, stdout);
	}
	if (!err && fflush(stdout))
		err = kbtf_err(-EIO, "cannot write Module.symvers");
	return err ? cmd_error("kernels symvers", err) : KBTF_EXIT_OK;
}

/* The profile's kernel config as text, whole or rebuilt from its config.ref. */
static int kernels_config(int argc, char **argv)
{
	char dir[4096], *text = NULL;
	size_t len = 0;
	int err;

	if (argc != 1) {
		fprintf(stderr, "kbtf: kernels config: one NAME\n");
		return KBTF_EXIT_USAGE;
	}
	err = one_profile_dir(argv[0], dir, sizeof(dir));
	if (!err) {
		err = kbtf_profile_read_config(dir, &text, &len);
		if (err == -ENOENT)
			err = kbtf_err(-ENOENT, "%s: the profile has no config", dir);
	}
	if (!err && (fwrite(text, 1, len, stdout) != len || fflush(stdout)))
		err = kbtf_err(-EIO, "cannot write the config");
	free(text);
	return err ? cmd_error("kernels config", err) : KBTF_EXIT_OK;
}

/* The profile's vmlinux BTF, raw: what bpftool and libbpf read. */
static int kernels_btf(int argc, char **argv, const struct kopts *o)
{
	struct kbtf_buf b = {0};
	char dir[4096];
	int err;

	if (argc != 1) {
		fprintf(stderr, "kbtf: kernels btf: one NAME\n");
		return KBTF_EXIT_USAGE;
	}
	if (!o->output && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "kbtf: kernels btf: the BTF is binary; give -o FILE or redirect "
				"stdout\n");
		return KBTF_EXIT_USAGE;
	}
	err = one_profile_dir(argv[0], dir, sizeof(dir));
	if (!err)
		err = kbtf_profile_load_btf(dir, &b);
	if (!err && o->output)
		err = kbtf_write_file_atomic(o->output, b.data, b.size, 0644);
	else if (!err && (fwrite(b.data, 1, b.size, stdout) != b.size || fflush(stdout)))
		err = kbtf_err(-EIO, "cannot write the BTF to stdout");
	kbtf_buf_release(&b);
	return err ? cmd_error("kernels btf", err) : KBTF_EXIT_OK;
}

/* ---------------------------------------------------------------- check */

static int kernels_check(int argc, char **argv, const struct kopts *o)
{
	const struct kbtf_profile_info **set = NULL;
	size_t n = 0, i, bad = 0;
	struct kbtf_store *s;
	double t0 = kbtf_now_ms();
	char **dirs = NULL;
	int err, rc;

	if (argc > 1) {
		fprintf(stderr, "kbtf: kernels check: one SET at most (default all)\n");
		return KBTF_EXIT_USAGE;
	}
	rc = open_store(&s);
	if (rc)
		return rc;
	err = kbtf_store_resolve(s, argc ? argv[0] : "all", &set, &n);
	if (!err && n && !(dirs = calloc(n + 1, sizeof(*dirs))))
		err = kbtf_err_nomem();
	for (i = 0; !err && i < n; i++) {
		char dir[4096];

		err = kbtf_store_profile_dir(s, set[i]->name, dir, sizeof(dir));
		if (!err && !(dirs[i] = strdup(dir)))
			err = kbtf_err_nomem();
	}
	free(set);
	kbtf_store_free(s);
	if (err) {
		rc = cmd_error("kernels check", err);
		n = 0;
	}
	for (i = 0; i < n; i++) {
		const char *name = strrchr(dirs[i], '/') + 1;
		struct kbtf_profile_check c;

		if (o->show_progress)
			fprintf(stderr, "[%zu/%zu] %s\n", i + 1, n, name);
		if (kbtf_profile_check(dirs[i], &c)) {
			printf("damaged  %s: %s\n", name, kbtf_errstr());
			bad++;
		} else if (!c.has_index) {
			printf("ok       %s: BTF %s, %u types; no index (read the full way)\n",
			       name, c.encoding, c.types);
		} else {
			printf("ok       %s: BTF %s, %u types; index: %u names, %u symbols\n", name,
			       c.encoding, c.types, c.names, c.syms);
		}
		fflush(stdout);
	}
	/* all of them: a failure while listing them left n at 0 */
	for (i = 0; dirs && dirs[i]; i++)
		free(dirs[i]);
	free(dirs);
	if (err)
		return rc;
	printf("%zu profile%s checked in %.1f s: %zu whole, %zu damaged\n", n, n == 1 ? "" : "s",
	       (kbtf_now_ms() - t0) / 1000, n - bad, bad);
	return bad ? KBTF_EXIT_FAIL : KBTF_EXIT_OK;
}

int cmd_kernels(int argc, char **argv)
{
	const char *verb;
	struct kopts o;
	int rc;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(kernels_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? KBTF_EXIT_USAGE : KBTF_EXIT_OK;
	}
	verb = argv[1];
	rc = parse_opts(argc - 1, argv + 1, &o);
	if (rc >= 0)
		return rc;
	argc -= 1 + optind;
	argv += 1 + optind;
	if (!strcmp(verb, "add"))
		return kernels_add(argc, argv, &o);
	if (!strcmp(verb, "fetch"))
		return kernels_fetch(argc, argv, &o);
	if (!strcmp(verb, "collect"))
		return kernels_collect(argc, &o);
	if (!strcmp(verb, "list") || !strcmp(verb, "ls"))
		return kernels_list(argc, argv, &o);
	if (!strcmp(verb, "rm") || !strcmp(verb, "remove"))
		return kernels_rm(argc, argv);
	if (!strcmp(verb, "path"))
		return kernels_path(argc, argv);
	if (!strcmp(verb, "symvers"))
		return kernels_symvers(argc, argv);
	if (!strcmp(verb, "config"))
		return kernels_config(argc, argv);
	if (!strcmp(verb, "btf"))
		return kernels_btf(argc, argv, &o);
	if (!strcmp(verb, "repack"))
		return kernels_repack(argc, argv);
	if (!strcmp(verb, "check"))
		return kernels_check(argc, argv, &o);
	fprintf(stderr,
		"kbtf: kernels: unknown verb '%s' (add, collect, fetch, list, rm, path, symvers, "
		"config, btf, repack, check)\n",
		verb);
	return KBTF_EXIT_USAGE;
}
