// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * btfo: the BTF oracle. A small driver of libbpf's public BTF API (libbpf
 * >= 1.5, built by tests/oracle/build.sh from Debian's libbpf-dev), so the
 * differential tests can ask libbpf what it makes of a module, a distilled
 * base or a relocation, and compare with kbtf. kbtf's own code never links
 * it.
 *
 *   btfo distill MOD BASE OUT_BASE OUT_SPLIT
 *   btfo relocate DIST_BASE SPLIT TARGET [OUT_SPLIT]
 *   btfo relocate-ko MOD TARGET
 *   btfo types FILE [BASE]
 *   btfo bench FILE [MOD...]
 *   btfo bench-relocate TARGET MOD...   libbpf parsing TARGET and relocating each MOD (make bench)
 *   btfo version
 *
 * FILE, MOD, BASE and TARGET may be raw BTF or ELF with .BTF (libbpf tells
 * which); MOD is parsed as split BTF on BASE (and if it has .BTF.base,
 * libbpf relocates it onto BASE on the way in). Output: libbpf's log
 * lines as libbpf prints them ("libbpf: ..."), then one result line
 * ("distill: OK ...", "relocate: FAIL (-22)"), all on stdout in order
 * (BTFO_DEBUG=1 adds libbpf's debug level). Exit 0 when libbpf accepted,
 * 1 when it refused, 2 on bad usage or unreadable input.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "util.h" /* kbtf_now_ms(), header-only: btfo links no kbtf code */

enum { BTFO_OK = 0, BTFO_REFUSED = 1, BTFO_USAGE = 2 };

static int btfo_debug;

__attribute__((format(printf, 2, 0)))
static int btfo_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !btfo_debug)
		return 0;
	return vfprintf(stdout, fmt, ap);
}

static const char *const kind_names[] = {
	[BTF_KIND_UNKN] = "UNKNOWN",	[BTF_KIND_INT] = "INT",
	[BTF_KIND_PTR] = "PTR",		[BTF_KIND_ARRAY] = "ARRAY",
	[BTF_KIND_STRUCT] = "STRUCT",	[BTF_KIND_UNION] = "UNION",
	[BTF_KIND_ENUM] = "ENUM",	[BTF_KIND_FWD] = "FWD",
	[BTF_KIND_TYPEDEF] = "TYPEDEF", [BTF_KIND_VOLATILE] = "VOLATILE",
	[BTF_KIND_CONST] = "CONST",	[BTF_KIND_RESTRICT] = "RESTRICT",
	[BTF_KIND_FUNC] = "FUNC",	[BTF_KIND_FUNC_PROTO] = "FUNC_PROTO",
	[BTF_KIND_VAR] = "VAR",		[BTF_KIND_DATASEC] = "DATASEC",
	[BTF_KIND_FLOAT] = "FLOAT",	[BTF_KIND_DECL_TAG] = "DECL_TAG",
	[BTF_KIND_TYPE_TAG] = "TYPE_TAG", [BTF_KIND_ENUM64] = "ENUM64",
};

static const char *kind_name(unsigned int kind)
{
	if (kind < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[kind])
		return kind_names[kind];
	return "?";
}

/* Parse PATH (raw or ELF) on top of BASE (NULL: standalone). */
static struct btf *btfo_parse(const char *path, struct btf *base)
{
	struct btf *btf;

	btf = base ? btf__parse_split(path, base) : btf__parse(path, NULL);
	if (!btf)
		printf("btfo: %s: cannot parse: %s (%d)\n", path, strerror(errno), -errno);
	return btf;
}

static int btfo_write(const struct btf *btf, const char *path)
{
	const void *data;
	__u32 size;
	FILE *f;
	int err = 0;

	data = btf__raw_data(btf, &size);
	if (!data) {
		printf("btfo: %s: no raw data\n", path);
		return -ENOMEM;
	}
	f = fopen(path, "wb");
	if (!f) {
		printf("btfo: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (fwrite(data, 1, size, f) != size)
		err = -EIO;
	if (fclose(f) && !err)
		err = -EIO;
	if (err)
		printf("btfo: %s: write failed\n", path);
	return err;
}

/* Types in BTF's own part: split types for a split, all for a base. */
static unsigned int own_types(const struct btf *btf)
{
	const struct btf *base = btf__base_btf(btf);

	return btf__type_cnt(btf) - (base ? btf__type_cnt(base) : 1);
}

static unsigned int own_start(const struct btf *btf)
{
	const struct btf *base = btf__base_btf(btf);

	return base ? btf__type_cnt(base) : 1;
}

static int cmd_distill(int argc, char **argv)
{
	struct btf *base = NULL, *mod = NULL, *new_base = NULL, *new_split = NULL;
	int ret = BTFO_USAGE;
	int err;

	if (argc != 5) {
		fprintf(stderr, "usage: btfo distill MOD BASE OUT_BASE OUT_SPLIT\n");
		return BTFO_USAGE;
	}
	base = btfo_parse(argv[2], NULL);
	if (!base)
		goto out;
	mod = btfo_parse(argv[1], base);
	if (!mod)
		goto out;
	err = btf__distill_base(mod, &new_base, &new_split);
	if (err) {
		printf("distill: FAIL (%d)\n", err);
		ret = BTFO_REFUSED;
		goto out;
	}
	if (btfo_write(new_base, argv[3]) || btfo_write(new_split, argv[4]))
		goto out;
	printf("distill: OK distilled base types=%u split types=%u (orig split start=%u)\n",
	       own_types(new_base), own_types(new_split), own_start(mod));
	ret = BTFO_OK;
out:
	btf__free(new_split);
	btf__free(new_base);
	btf__free(mod);
	btf__free(base);
	return ret;
}

static int cmd_relocate(int argc, char **argv)
{
	struct btf *dist = NULL, *split = NULL, *target = NULL;
	int ret = BTFO_USAGE;
	int err;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: btfo relocate DIST_BASE SPLIT TARGET [OUT_SPLIT]\n");
		return BTFO_USAGE;
	}
	dist = btfo_parse(argv[1], NULL);
	if (!dist)
		goto out;
	split = btfo_parse(argv[2], dist);
	if (!split)
		goto out;
	target = btfo_parse(argv[3], NULL);
	if (!target)
		goto out;
	err = btf__relocate(split, target);
	if (err) {
		printf("relocate: FAIL (%d)\n", err);
		ret = BTFO_REFUSED;
		goto out;
	}
	if (argc == 5 && btfo_write(split, argv[4]))
		goto out;
	printf("relocate: OK (0) split start=%u types=%u\n", own_start(split), own_types(split));
	ret = BTFO_OK;
out:
	btf__free(target);
	btf__free(split);
	btf__free(dist);
	return ret;
}

/*
 * A module with .BTF.base, parsed on TARGET: libbpf relocates it while
 * parsing, as the kernel does at load time.
 */
static int cmd_relocate_ko(int argc, char **argv)
{
	struct btf *target, *mod;

	if (argc != 3) {
		fprintf(stderr, "usage: btfo relocate-ko MOD TARGET\n");
		return BTFO_USAGE;
	}
	target = btfo_parse(argv[2], NULL);
	if (!target)
		return BTFO_USAGE;
	errno = 0;
	mod = btf__parse_split(argv[1], target);
	if (!mod) {
		printf("relocate: FAIL (%d)\n", -errno);
		btf__free(target);
		return BTFO_REFUSED;
	}
	printf("relocate: OK (0) split start=%u types=%u\n", own_start(mod), own_types(mod));
	btf__free(mod);
	btf__free(target);
	return BTFO_OK;
}

static void print_type(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	unsigned int kind = btf_kind(t);

	printf("[%u] %s '%s'", id, kind_name(kind), btf__name_by_offset(btf, t->name_off));
	switch (kind) {
	case BTF_KIND_INT:
		printf(" size=%u enc=0x%08x", t->size, *(const __u32 *)(t + 1));
		break;
	case BTF_KIND_FLOAT:
		printf(" size=%u", t->size);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_DATASEC:
		printf(" size=%u vlen=%u kflag=%u", t->size, btf_vlen(t), btf_kflag(t));
		break;
	case BTF_KIND_FWD:
		printf(" kflag=%u", btf_kflag(t));
		break;
	case BTF_KIND_ARRAY:
		printf(" type=%u index=%u nelems=%u", btf_array(t)->type, btf_array(t)->index_type,
		       btf_array(t)->nelems);
		break;
	case BTF_KIND_FUNC_PROTO:
		printf(" ret=%u vlen=%u", t->type, btf_vlen(t));
		break;
	default:
		printf(" type=%u", t->type);
		break;
	}
	printf("\n");
}

/* One line per type of FILE's own part, for diffs against kbtf's view. */
static int cmd_types(int argc, char **argv)
{
	struct btf *base = NULL, *btf;
	__u32 id, n;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: btfo types FILE [BASE]\n");
		return BTFO_USAGE;
	}
	if (argc == 3) {
		base = btfo_parse(argv[2], NULL);
		if (!base)
			return BTFO_USAGE;
	}
	btf = btfo_parse(argv[1], base);
	if (!btf) {
		btf__free(base);
		return BTFO_USAGE;
	}
	n = btf__type_cnt(btf);
	for (id = own_start(btf); id < n; id++)
		print_type(btf, id);
	btf__free(btf);
	btf__free(base);
	return BTFO_OK;
}

#define BENCH_RUNS 31

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *ms, int n)
{
	qsort(ms, (size_t)n, sizeof(*ms), cmp_double);
	printf("libbpf %-37s median %8.3f ms   min %8.3f ms   (%d runs)\n", what, ms[n / 2], ms[0],
	       n);
}

/*
 * Figures for the bench's comparison: libbpf parsing FILE (from the file,
 * and from its raw BTF in memory, as kbtf-bench times kbtf), and
 * distilling each MOD on it.
 */
static int cmd_bench(int argc, char **argv)
{
	double file_ms[BENCH_RUNS], mem_ms[BENCH_RUNS], dist_ms[BENCH_RUNS];
	struct btf *btf, *mod, *nb, *ns;
	const void *raw;
	__u32 size;
	int i, m;

	if (argc < 2) {
		fprintf(stderr, "usage: btfo bench FILE [MOD...]\n");
		return BTFO_USAGE;
	}
	for (i = 0; i < BENCH_RUNS; i++) {
		double t0 = kbtf_now_ms();

		btf = btfo_parse(argv[1], NULL);
		if (!btf)
			return BTFO_USAGE;
		file_ms[i] = kbtf_now_ms() - t0;
		btf__free(btf);
	}
	btf = btfo_parse(argv[1], NULL);
	if (!btf)
		return BTFO_USAGE;
	raw = btf__raw_data(btf, &size);
	for (i = 0; raw && i < BENCH_RUNS; i++) {
		double t0 = kbtf_now_ms();
		struct btf *copy = btf__new(raw, size);

		mem_ms[i] = kbtf_now_ms() - t0;
		btf__free(copy);
	}
	printf("libbpf %s: %u types, %u bytes of raw BTF\n", argv[1], btf__type_cnt(btf) - 1, size);
	report("btf__parse (file)", file_ms, BENCH_RUNS);
	if (raw)
		report("btf__new (raw BTF in memory)", mem_ms, BENCH_RUNS);
	for (m = 2; m < argc; m++) {
		for (i = 0; i < BENCH_RUNS; i++) {
			double t0 = kbtf_now_ms();

			mod = btf__parse_split(argv[m], btf);
			if (!mod || btf__distill_base(mod, &nb, &ns)) {
				printf("btfo: %s: cannot distill\n", argv[m]);
				btf__free(mod);
				break;
			}
			dist_ms[i] = kbtf_now_ms() - t0;
			btf__free(ns);
			btf__free(nb);
			btf__free(mod);
		}
		if (i == BENCH_RUNS) {
			char what[64];
			const char *base = strrchr(argv[m], '/');

			snprintf(what, sizeof(what), "parse+distill %s", base ? base + 1 : argv[m]);
			report(what, dist_ms, BENCH_RUNS);
		}
	}
	btf__free(btf);
	return BTFO_OK;
}

/*
 * What libbpf costs for what "open a stored kernel and judge a module"
 * does in kbtf: parse the kernel's BTF, then parse each MOD's .BTF on it
 * (relocated through .BTF.base, as the kernel does). For make bench.
 */
static int cmd_bench_relocate(int argc, char **argv)
{
	double ms[BENCH_RUNS];
	struct btf *target, *mod;
	int i, m;

	if (argc < 3) {
		fprintf(stderr, "usage: btfo bench-relocate TARGET MOD...\n");
		return BTFO_USAGE;
	}
	for (m = 2; m < argc; m++) {
		const char *base = strrchr(argv[m], '/');
		char what[96];

		for (i = 0; i < BENCH_RUNS; i++) {
			double t0 = kbtf_now_ms();

			target = btfo_parse(argv[1], NULL);
			if (!target)
				return BTFO_USAGE;
			mod = btf__parse_split(argv[m], target);
			ms[i] = kbtf_now_ms() - t0;
			btf__free(mod);
			btf__free(target);
		}
		snprintf(what, sizeof(what), "parse kernel + relocate %s", base ? base + 1 : argv[m]);
		report(what, ms, BENCH_RUNS);
	}
	return BTFO_OK;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: btfo distill MOD BASE OUT_BASE OUT_SPLIT\n"
		   "       btfo relocate DIST_BASE SPLIT TARGET [OUT_SPLIT]\n"
		   "       btfo relocate-ko MOD TARGET\n"
		   "       btfo types FILE [BASE]\n"
		   "       btfo bench FILE [MOD...]\n"
		   "       btfo bench-relocate TARGET MOD...\n"
		   "       btfo version\n");
}

int main(int argc, char **argv)
{
	const char *debug = getenv("BTFO_DEBUG");

	btfo_debug = debug && *debug && strcmp(debug, "0");
	libbpf_set_print(btfo_print);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage(stderr);
		return BTFO_USAGE;
	}
	if (!strcmp(argv[1], "distill"))
		return cmd_distill(argc - 1, argv + 1);
	if (!strcmp(argv[1], "relocate"))
		return cmd_relocate(argc - 1, argv + 1);
	if (!strcmp(argv[1], "relocate-ko"))
		return cmd_relocate_ko(argc - 1, argv + 1);
	if (!strcmp(argv[1], "types"))
		return cmd_types(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bench"))
		return cmd_bench(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bench-relocate"))
		return cmd_bench_relocate(argc - 1, argv + 1);
	if (!strcmp(argv[1], "version")) {
		printf("libbpf %u.%u\n", libbpf_major_version(), libbpf_minor_version());
		return BTFO_OK;
	}
	usage(stderr);
	return BTFO_USAGE;
}
