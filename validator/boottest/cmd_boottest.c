// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kbtf boot-test MOD.ko... --kernel SOURCE... : boot each kernel under
 * qemu with an initramfs of our own, load the modules there, and report
 * prediction (the validator) against observation (the kernel), loudly
 * where they differ. One boot per kernel loads every module.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boottest.h"
#include "pkg_deb.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "kbtf/validate.h"
#include "cmd.h"
#include "prepared.h"
#include "util.h"
#include "vrun.h"

#ifndef KBTF_LOADER
#define KBTF_LOADER "/usr/local/lib/kbtf/kbtf-modload"
#endif

#define BT_MAX_TOOLS 4

struct bt_opts {
	const char **kernels;
	size_t nr_kernels;
	unsigned int timeout_s;
	unsigned int mem_mb;
	bool force;
	bool keep;
	enum kbtf_bt_format format;
	enum kbtf_bt_accel accel;
	const char *output;
	const char *work_dir;
	const char *qemu;
	/* given with --busybox/--loader, each used for kernels of its own ELF machine */
	const char *busybox[BT_MAX_TOOLS];
	size_t nr_busybox;
	const char *loader[BT_MAX_TOOLS];
	size_t nr_loader;
};

/* A test module: the validation run's, prepared once, used for every kernel. */
struct bt_module {
	const struct kbtf_module *m; /* the run's */
	const char *path;
	/* m->name; for a module whose sections cannot be read (one the
	 * loader's ELF checks refuse) the file's name without .ko */
	char name[64];
};

static const char boottest_usage[] =
    "usage: kbtf boot-test MOD.ko... --kernel SOURCE... [options]\n"
    "\n"
    "Boot each kernel under qemu, load the modules, and compare what the\n"
    "kernel did with what 'kbtf validate' predicts; a normal load's kernel\n"
    "log line for line (all modules of a kernel load in one boot, in order).\n"
    "\n"
    "  -k, --kernel SOURCE   a kernel with a boot image: vmlinuz, .deb, unpacked\n"
    "                        package dir, stored profile with image (repeatable)\n"
    "  -t, --timeout S       hard limit per boot in seconds (default 120)\n"
    "  -f, --force           load past vermagic and modversions checks\n"
    "      --format FMT      text (default), json or junit\n"
    "  -o, --output FILE     write the report to FILE\n"
    "      --keep            keep the work directory (initramfs, serial logs)\n"
    "      --work-dir DIR    work there instead of a temporary directory\n"
    "      --accel A         auto (default), kvm or tcg\n"
    "      --memory MB       guest memory (default 1024)\n"
    "      --qemu PATH       qemu-system-x86_64 to run ($KBTF_QEMU)\n"
    "      --busybox PATH    static busybox ($KBTF_BUSYBOX, default /bin/busybox);\n"
    "                        once per guest architecture (an arm64 kernel needs\n"
    "                        an aarch64 one: Debian's busybox-static for arm64)\n"
    "      --loader PATH     static kbtf-modload ($KBTF_MODLOAD), once per architecture\n"
    "\n"
    "Exit: 0 all agree, 1 a disagreement, 2 bad usage or input,\n"
    "3 a boot gave no answer (qemu failed, kernel hung before /init).\n";

/* --------------------------------------------------------------- helpers */

/* The first of @paths built for @m, or NULL. */
static const char *for_machine(const char *const *paths, size_t n, uint16_t m)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (paths[i] && kbtf_bt_elf_machine(paths[i]) == m)
			return paths[i];
	return NULL;
}

/* kbtf-modload for @a: options, environment, beside this binary, installed. */
static char *find_loader(const struct bt_opts *o, const struct kbtf_bt_arch *a)
{
	const char *env = getenv("KBTF_MODLOAD"), *hit;
	char self[PATH_MAX], installed[PATH_MAX], *slash, *p;
	ssize_t n;

	if ((hit = for_machine(o->loader, o->nr_loader, a->e_machine)) ||
	    (hit = for_machine(&env, 1, a->e_machine)))
		return strdup(hit);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (asprintf(&p, "%s/%s", self, a->loader) >= 0) {
				if (kbtf_is_executable(p))
					return p;
				free(p);
			}
			if (asprintf(&p, "%s/../lib/kbtf/%s", self, a->loader) >= 0) {
				if (kbtf_is_executable(p))
					return p;
				free(p);
			}
		}
	}
	/* the installed one sits beside KBTF_LOADER, named per architecture */
	slash = strrchr(KBTF_LOADER, '/');
	snprintf(installed, sizeof(installed), "%.*s%s", slash ? (int)(slash + 1 - KBTF_LOADER) : 0,
		 KBTF_LOADER, a->loader);
	return strdup(installed);
}

/* A static busybox for @a: options, $KBTF_BUSYBOX, the host's own. */
static const char *find_busybox(const struct bt_opts *o, const struct kbtf_bt_arch *a)
{
	const char *cand[] = {getenv("KBTF_BUSYBOX"), "/bin/busybox", "/usr/bin/busybox"};
	const char *hit = for_machine(o->busybox, o->nr_busybox, a->e_machine);

	if (hit)
		return hit;
	if ((hit = for_machine(cand, 3, a->e_machine)))
		return hit;
	/* nothing fits: name the usual place, so the check says what is wrong */
	if (o->nr_busybox)
		return o->busybox[0];
	return cand[0] ? cand[0] : kbtf_is_executable(cand[1]) ? cand[1] : cand[2];
}

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	bool found = false;

	if (strchr(prog, '/'))
		return kbtf_is_executable(prog);
	copy = strdup(path ? path : "/usr/bin:/bin");
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *p;

		if (asprintf(&p, "%s/%s", dir, prog) < 0)
			break;
		found = kbtf_is_executable(p);
		free(p);
	}
	free(copy);
	return found;
}

/* ---------------------------------------------------------- one kernel */

struct bt_kernel_ctx {
	const struct bt_opts *o;
	const struct kbtf_vrun *run; /* modules and options, as kbtf validate has them */
	const struct bt_module *mods;
	size_t nr_mods;
	const struct kbtf_bt_arch *arch; /* the kernel's */
	const char *busybox;		 /* for its architecture */
	char *loader;
	char *dir; /* this kernel's work directory */
	struct kbtf_kernel *k;
	struct kbtf_vkernel *vk; /* the kernel as the validator sees it */
	char *vk_error;
	struct kbtf_bt_moddir *md;
	struct kbtf_bt_load *loads;
	size_t nr_loads;
	char **dep_errors; /* per test module: why its dependencies are missing */
};

/* The loads for one boot: each module's dependencies, then the module. */
static int plan_loads(struct bt_kernel_ctx *c)
{
	size_t i;
	int err;

	c->dep_errors = calloc(c->nr_mods, sizeof(char *));
	if (!c->dep_errors)
		return kbtf_err_nomem();
	for (i = 0; i < c->nr_mods; i++) {
		const struct kbtf_module *m = c->mods[i].m;
		struct kbtf_bt_load *grown;

		if (m->depends && *m->depends) {
			if (!c->md)
				err = kbtf_err(-ENOENT,
					       "depends on %s; the kernel's modules were "
					       "not found",
					       m->depends);
			else
				err = kbtf_bt_moddir_add_deps(c->md, m->depends, &c->loads,
							      &c->nr_loads);
			if (err == -ENOMEM)
				return err;
			if (err)
				c->dep_errors[i] = strdup(kbtf_errstr());
		}
		grown = realloc(c->loads, (c->nr_loads + 1) * sizeof(*grown));
		if (!grown)
			return kbtf_err_nomem();
		c->loads = grown;
		err = kbtf_bt_load_from_module(m, c->mods[i].name, false, c->o->force,
					       &grown[c->nr_loads]);
		if (err)
			return err;
		c->nr_loads++;
	}
	return 0;
}

static int write_file(const char *dir, const char *name, const void *data, size_t size,
		      char **path_out)
{
	char *path;
	int err;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return kbtf_err_nomem();
	err = kbtf_write_file_atomic(path, data, size, 0644);
	if (err) {
		free(path);
		return kbtf_err_prefix(err, "%s", path);
	}
	if (path_out)
		*path_out = path;
	else
		free(path);
	return 0;
}

static int boot(struct bt_kernel_ctx *c, struct kbtf_bt_kernel_result *kr)
{
	struct kbtf_bt_initramfs ir = {
	    .busybox = c->busybox,
	    .loader = c->loader,
	    .e_machine = c->arch->e_machine,
	    .loads = c->loads,
	    .nr_loads = c->nr_loads,
	};
	struct kbtf_qemu_opts qo = {
	    .arch = c->arch,
	    .qemu = c->o->qemu,
	    .kernel = kr->image,
	    .timeout_s = c->o->timeout_s,
	    .mem_mb = c->o->mem_mb,
	    .accel = c->o->accel,
	    .done_marker = "KBTF-DONE",
	};
	struct kbtf_buf cpio = {0};
	char *initrd = NULL;
	int err;

	err = kbtf_bt_initramfs_build(&ir, &cpio);
	if (!err)
		err = write_file(c->dir, "initramfs.cpio", cpio.data, cpio.size, &initrd);
	kbtf_buf_release(&cpio);
	if (err)
		return err;
	qo.initrd = initrd;
	err = kbtf_qemu_run(&qo, &kr->run);
	free(initrd);
	if (err)
		return err;
	if (kr->run.kvm_failed)
		fprintf(stderr, "boot-test: KVM failed (%s) after %.1f s; booted again under tcg\n",
			kr->run.kvm_failed, kr->run.kvm_seconds);
	if (c->o->keep)
		write_file(c->dir, "serial.log", kr->run.serial, kr->run.serial_len, NULL);
	err = kbtf_bt_parse_serial(kr->run.serial, kr->run.serial_len, &kr->boot);
	if (err)
		return err;
	if (kr->boot.status == KBTF_BT_BOOT_NO_INIT && !kr->run.timed_out &&
	    !strstr(kr->run.serial, "Linux version"))
		kr->boot.status = KBTF_BT_BOOT_QEMU;
	return 0;
}

/*
 * The validator's verdict for test module @i on the kernel prepared once in
 * @c: the judgement `kbtf validate` makes, with the run's options.
 */
static void predict(struct bt_kernel_ctx *c, size_t i, const char *source, struct kbtf_bt_pair *p)
{
	struct kbtf_result r = {0};
	int err = -ENOENT;

	if (c->vk)
		err = kbtf_vrun_judge(c->run, i, c->vk, source, &r);
	if (!err) {
		kbtf_bt_prediction_from_result(&r, &p->pred);
		p->have_pred = p->pred.verdict != KBTF_BT_V_UNKNOWN;
	} else {
		memset(&p->pred, 0, sizeof(p->pred));
		snprintf(p->pred.verdict_str, sizeof(p->pred.verdict_str), "unknown");
		snprintf(p->pred.detail, sizeof(p->pred.detail), "%s",
			 c->vk_error ? c->vk_error : kbtf_errstr());
	}
	if (!p->have_pred && r.summary)
		snprintf(p->pred.detail, sizeof(p->pred.detail), "%s", r.summary);
	kbtf_result_fini(&r);
}

/* A module of the kernel's that @name needed and that did not load. */
static const char *failed_dependency(const struct bt_kernel_ctx *c, const char *name,
				     const struct kbtf_bt_boot *boot)
{
	size_t i;

	for (i = 0; i < c->nr_loads; i++) {
		if (!c->loads[i].is_dep && !strcmp(c->loads[i].name, name))
			return kbtf_bt_failed_need(c->loads, c->nr_loads, c->loads[i].needs, boot);
	}
	return NULL;
}

static void judge(struct bt_kernel_ctx *c, struct kbtf_bt_kernel_result *kr)
{
	const char *kmagic = c->md ? kbtf_bt_moddir_vermagic(c->md) : NULL;
	unsigned int printed = 0; /* once-per-boot lines printed so far (klog.h) */
	size_t i;

	/* no module of the kernel's own to read it from: the one validate
	 * derives from the release and config */
	if ((!kmagic || !*kmagic) && c->vk)
		kmagic = c->vk->vermagic;

	for (i = 0; i < c->nr_mods; i++) {
		const struct kbtf_module *m = c->mods[i].m;
		struct kbtf_bt_pair *p = &kr->pairs[i];
		const char *bad;
		struct kbtf_bt_facts f;

		p->module = c->mods[i].name;
		p->module_path = c->mods[i].path;
		predict(c, i, kr->source, p);
		kbtf_bt_facts_fill(&f, m, c->vk, kmagic, c->o->force);
		kbtf_bt_expect(&p->pred, &f, &p->expect);
		/* the test modules load in this order, after the kernel's own
		 * (signed, in-tree) dependencies, which print no such line */
		kbtf_bt_expect_in_boot(&p->expect, &printed);
		p->obs = kbtf_bt_boot_find(&kr->boot, c->mods[i].name);
		if (c->dep_errors && c->dep_errors[i]) {
			p->agreement = KBTF_BT_INCONCLUSIVE;
			snprintf(p->why, sizeof(p->why), "%s", c->dep_errors[i]);
		} else if (kr->boot.status == KBTF_BT_BOOT_QEMU ||
			   kr->boot.status == KBTF_BT_BOOT_NO_INIT) {
			p->agreement = KBTF_BT_INCONCLUSIVE;
			snprintf(p->why, sizeof(p->why), "%s",
				 kr->boot.status == KBTF_BT_BOOT_QEMU
				     ? "qemu could not run the kernel"
				     : "the kernel never ran /init");
		} else if ((bad = failed_dependency(c, c->mods[i].name, &kr->boot))) {
			p->agreement = KBTF_BT_INCONCLUSIVE;
			snprintf(p->why, sizeof(p->why), "dependency %s did not load", bad);
		} else {
			p->agreement = kbtf_bt_compare(&p->expect, p->obs, p->have_pred, p->why,
						       sizeof(p->why));
		}
	}
}

static void kernel_ctx_fini(struct bt_kernel_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nr_loads; i++)
		kbtf_bt_load_fini(&c->loads[i]);
	free(c->loads);
	for (i = 0; c->dep_errors && i < c->nr_mods; i++)
		free(c->dep_errors[i]);
	free(c->dep_errors);
	kbtf_bt_moddir_free(c->md);
	kbtf_vkernel_free(c->vk);
	free(c->vk_error);
	kbtf_kernel_free(c->k);
	free(c->loader);
	if (c->dir && !c->o->keep)
		kbtf_rm_rf(c->dir);
	free(c->dir);
}

/* Module files and modules.builtin of a kernel package: where dependencies come from. */
static bool select_modules(const char *path, void *ctx)
{
	static const char *const ends[] = {".ko", ".ko.xz", ".ko.zst", ".ko.gz",
					   "/modules.builtin"};
	size_t n = strlen(path), i;

	if (!strstr(path, "lib/modules/"))
		return false;
	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t e = strlen(ends[i]);

		if (n > e && !strcmp(path + n - e, ends[i]))
			return true;
	}
	return false;
}

static bool any_depends(const struct bt_kernel_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nr_mods; i++) {
		if (c->mods[i].m->depends && *c->mods[i].m->depends)
			return true;
	}
	return false;
}

static bool is_deb(const char *path)
{
	unsigned char head[72];
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, head, sizeof(head));
		close(fd);
	}
	return n > 0 && kbtf_deb_detect(head, n);
}

/*
 * The kernel's modules directory: beside its boot image, or, for a .deb,
 * unpacked from the package (only when a test module has dependencies).
 */
static int open_moddir(struct bt_kernel_ctx *c, struct kbtf_bt_kernel_result *kr)
{
	struct kbtf_deb deb = {0};
	char *dir = kbtf_bt_moddir_find(kr->image, c->k->release);
	int err;

	if (!dir && any_depends(c) && c->k->release && is_deb(kr->source)) {
		char *into;

		if (asprintf(&into, "%s/modules", c->dir) < 0)
			return kbtf_err_nomem();
		err = kbtf_deb_extract(kr->source, into, select_modules, NULL, &deb);
		kbtf_deb_release(&deb);
		if (!err && asprintf(&dir, "%s/lib/modules/%s", into, c->k->release) > 0 &&
		    access(dir, F_OK)) {
			free(dir);
			if (asprintf(&dir, "%s/usr/lib/modules/%s", into, c->k->release) < 0)
				dir = NULL;
		}
		free(into);
		if (err)
			return kbtf_err_prefix(err, "%s: unpacking modules", kr->source);
	}
	if (!dir)
		return 0;
	err = access(dir, F_OK) ? 0 : kbtf_bt_moddir_open(dir, &c->md);
	free(dir);
	return err;
}

/* Open, boot and judge one kernel. Failures that concern only it are kept in @kr. */
static int check_tools(const struct bt_opts *o, const struct kbtf_bt_arch *a, const char *busybox,
		       const char *loader);

/* qemu, busybox and kbtf-modload for the kernel's architecture: missing is exit 3. */
static int tools_for(struct bt_kernel_ctx *c)
{
	c->busybox = find_busybox(c->o, c->arch);
	c->loader = find_loader(c->o, c->arch);
	if (!c->loader)
		return kbtf_err_nomem();
	return check_tools(c->o, c->arch, c->busybox, c->loader);
}

static int run_kernel(struct bt_kernel_ctx *c, const char *workdir, size_t idx,
		      struct kbtf_bt_kernel_result *kr)
{
	struct kbtf_kernel_opts ko = {0};
	struct kbtf_vkernel_opts vko;
	int err;

	kr->pairs = calloc(c->nr_mods, sizeof(*kr->pairs));
	if (!kr->pairs || asprintf(&c->dir, "%s/k%zu", workdir, idx) < 0)
		return kbtf_err_nomem();
	if (mkdir(c->dir, 0755) && errno != EEXIST)
		return kbtf_err(-errno, "%s: %s", c->dir, strerror(errno));
	/* opened as kbtf validate opens it, only unpacked where boot-test works */
	kbtf_vrun_kernel_opts(c->run, NULL, &vko);
	ko.work_dir = c->dir;
	ko.symvers = vko.symvers;
	/* a kernel that is not booted has no pairs: it is reported, not judged */
	err = kbtf_kernel_open(kr->source, &ko, &c->k);
	if (err) {
		kr->open_failed = true;
		kr->skip_reason = strdup(kbtf_errstr());
		return 0;
	}
	kr->release = c->k->release ? strdup(c->k->release) : NULL;
	if (!c->k->image_path) {
		kr->skip_reason = strdup("no boot image in this kernel source");
		return 0;
	}
	c->arch = kbtf_bt_arch_find(c->k->arch);
	if (!c->arch) {
		if (asprintf(&kr->skip_reason,
			     "boot-test boots x86_64 and aarch64 kernels; this one is %s",
			     c->k->arch ? c->k->arch : "of an unknown architecture") < 0)
			return kbtf_err_nomem();
		return 0;
	}
	err = tools_for(c);
	if (err)
		return err;
	if (kbtf_vkernel_from_kernel(c->k, &vko, &c->vk))
		c->vk_error = strdup(kbtf_errstr());
	kr->image = strdup(c->k->image_path);
	err = open_moddir(c, kr);
	if (!err)
		err = plan_loads(c);
	if (!err)
		err = boot(c, kr);
	if (err)
		return err;
	kr->nr_pairs = c->nr_mods;
	judge(c, kr);
	return 0;
}

/* ------------------------------------------------------------- options */

static int parse_format(const char *name, int *format)
{
	if (!strcmp(name, "text"))
		*format = KBTF_BT_FMT_TEXT;
	else if (!strcmp(name, "json"))
		*format = KBTF_BT_FMT_JSON;
	else if (!strcmp(name, "junit"))
		*format = KBTF_BT_FMT_JUNIT;
	else
		return kbtf_err(-EINVAL, "--format: '%s' is not text, json or junit", name);
	return 0;
}

/* 0 (p->stop: --help shown or a bad option reported), or a negative errno (message recorded). */
static int parse_opts(struct cmd_parser *p, struct bt_opts *o, int argc, char **argv)
{
	enum {
		OPT_FORMAT = 256,
		OPT_KEEP,
		OPT_WORK,
		OPT_QEMU,
		OPT_BUSYBOX,
		OPT_LOADER,
		OPT_ACCEL,
		OPT_MEM
	};
	static const struct option longopts[] = {
	    {"kernel", required_argument, NULL, 'k'},
	    {"timeout", required_argument, NULL, 't'},
	    {"force", no_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"keep", no_argument, NULL, OPT_KEEP},
	    {"work-dir", required_argument, NULL, OPT_WORK},
	    {"qemu", required_argument, NULL, OPT_QEMU},
	    {"busybox", required_argument, NULL, OPT_BUSYBOX},
	    {"loader", required_argument, NULL, OPT_LOADER},
	    {"accel", required_argument, NULL, OPT_ACCEL},
	    {"memory", required_argument, NULL, OPT_MEM},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const struct cmd_spec spec = {
	    .name = "boot-test",
	    .usage = boottest_usage,
	    .options = longopts,
	    .optstring = "k:t:fo:h",
	    .common = CMD_OPT_FORMAT | CMD_OPT_OUTPUT,
	    .format_parse = parse_format,
	    .see_help = true,
	};
	int c;

	o->timeout_s = 120;
	o->mem_mb = 1024;
	o->qemu = getenv("KBTF_QEMU");
	cmd_parser_init(p, &spec, argc, argv);
	while ((c = cmd_getopt(p)) != -1) {
		char *end;
		const char **grown;

		switch (c) {
		case 'k':
			grown = realloc(o->kernels, (o->nr_kernels + 1) * sizeof(*grown));
			if (!grown)
				return kbtf_err_nomem();
			o->kernels = grown;
			o->kernels[o->nr_kernels++] = optarg;
			break;
		case 't':
			o->timeout_s = strtoul(optarg, &end, 10);
			if (*end || !o->timeout_s || o->timeout_s > 3600)
				return kbtf_err(-EINVAL, "--timeout: '%s' is not 1..3600 s",
						optarg);
			break;
		case OPT_MEM:
			o->mem_mb = strtoul(optarg, &end, 10);
			if (*end || o->mem_mb < 128 || o->mem_mb > 65536)
				return kbtf_err(-EINVAL, "--memory: '%s' is not 128..65536",
						optarg);
			break;
		case 'f':
			o->force = true;
			break;
		case OPT_ACCEL:
			if (!strcmp(optarg, "auto"))
				o->accel = KBTF_BT_ACCEL_AUTO;
			else if (!strcmp(optarg, "kvm"))
				o->accel = KBTF_BT_ACCEL_KVM;
			else if (!strcmp(optarg, "tcg"))
				o->accel = KBTF_BT_ACCEL_TCG;
			else
				return kbtf_err(-EINVAL, "--accel: '%s' is not auto, kvm or tcg",
						optarg);
			break;
		case OPT_KEEP:
			o->keep = true;
			break;
		case OPT_WORK:
			o->work_dir = optarg;
			break;
		case OPT_QEMU:
			o->qemu = optarg;
			break;
		case OPT_BUSYBOX:
			if (o->nr_busybox == BT_MAX_TOOLS)
				return kbtf_err(-EINVAL, "--busybox: at most %d", BT_MAX_TOOLS);
			o->busybox[o->nr_busybox++] = optarg;
			break;
		case OPT_LOADER:
			if (o->nr_loader == BT_MAX_TOOLS)
				return kbtf_err(-EINVAL, "--loader: at most %d", BT_MAX_TOOLS);
			o->loader[o->nr_loader++] = optarg;
			break;
		}
	}
	if (p->stop)
		return 0;
	o->format = (enum kbtf_bt_format)p->opts.format;
	o->output = p->opts.output;
	if (optind >= argc)
		return kbtf_err(-EINVAL, "no module given");
	if (!o->nr_kernels)
		return kbtf_err(-EINVAL, "no --kernel given");
	return 0;
}

/* ---------------------------------------------------------------- main */

/*
 * The test modules, prepared by the validation run (kbtf_vrun_init) as
 * kbtf validate prepares them, under @mo. Unlike validate, boot-test needs
 * every module: one it cannot read or name stops it.
 */
static int open_modules(struct kbtf_vrun *v, const struct kbtf_matrix_opts *mo,
			const struct bt_opts *o, int argc, char **argv, struct bt_module **out,
			size_t *nr)
{
	struct bt_module *mods = calloc(argc, sizeof(*mods));
	int i, j, err;

	if (!mods)
		return kbtf_err_nomem();
	*out = mods;
	err = kbtf_vrun_init(v, (const char *const *)argv, argc, (const char *const *)o->kernels,
			     o->nr_kernels, mo);
	if (err)
		return err;
	for (i = 0; i < argc; i++) {
		mods[i].path = argv[i];
		mods[i].m = v->mods[i]->mod;
		(*nr)++;
		if (mods[i].m->name && *mods[i].m->name) {
			snprintf(mods[i].name, sizeof(mods[i].name), "%s", mods[i].m->name);
		} else if (kbtf_module_elf_check(mods[i].m->image.data, mods[i].m->image.size, NULL,
						 NULL, 0)) {
			const char *b = strrchr(argv[i], '/');

			b = b ? b + 1 : argv[i];
			snprintf(mods[i].name, sizeof(mods[i].name), "%.*s", (int)strcspn(b, "."),
				 b);
		}
		if (!mods[i].name[0])
			return kbtf_err(-EINVAL, "%s: no module name in .modinfo", argv[i]);
		for (j = 0; j < i; j++) {
			if (!strcmp(mods[j].name, mods[i].name))
				return kbtf_err(-EINVAL, "%s: module '%s' given twice", argv[i],
						mods[i].name);
		}
	}
	return 0;
}

static int make_workdir(const struct bt_opts *o, char **out)
{
	const char *tmp = getenv("TMPDIR");

	if (o->work_dir) {
		if (mkdir(o->work_dir, 0755) && errno != EEXIST)
			return kbtf_err(-errno, "%s: %s", o->work_dir, strerror(errno));
		*out = strdup(o->work_dir);
		return *out ? 0 : -ENOMEM;
	}
	if (asprintf(out, "%s/kbtf-boottest.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
		return kbtf_err_nomem();
	if (!mkdtemp(*out))
		return kbtf_err(-errno, "cannot make a work directory: %s", strerror(errno));
	return 0;
}

static int write_report(const struct bt_opts *o, const struct kbtf_bt_report *r)
{
	FILE *f = stdout;
	int err;

	if (o->output) {
		f = fopen(o->output, "we");
		if (!f)
			return kbtf_err(-errno, "%s: %s", o->output, strerror(errno));
	}
	err = kbtf_bt_report_write(r, o->format, f);
	if (o->output && fclose(f) && !err)
		err = kbtf_err(-EIO, "%s: write failed", o->output);
	return err;
}

static int exit_code(const struct kbtf_bt_report *r)
{
	size_t c[3], i, booted = 0, bad = 0;

	kbtf_bt_report_count(r, c);
	for (i = 0; i < r->nr_kernels; i++) {
		booted += !r->kernels[i].skip_reason;
		bad += r->kernels[i].open_failed;
	}
	if (c[1])
		return KBTF_EXIT_FAIL;
	if (!booted || bad)
		return KBTF_EXIT_USAGE;
	if (c[2])
		return KBTF_EXIT_TOOL;
	return KBTF_EXIT_OK;
}

static void report_fini(struct kbtf_bt_report *r)
{
	size_t i;

	for (i = 0; i < r->nr_kernels; i++) {
		struct kbtf_bt_kernel_result *kr = &r->kernels[i];

		free(kr->release);
		free(kr->image);
		free(kr->skip_reason);
		free(kr->pairs);
		kbtf_qemu_run_fini(&kr->run);
		kbtf_bt_boot_fini(&kr->boot);
	}
	free(r->kernels);
}

static int check_tools(const struct bt_opts *o, const struct kbtf_bt_arch *a, const char *busybox,
		       const char *loader)
{
	const char *qemu = o->qemu ? o->qemu : a->qemu;
	char why[160];
	int err;

	/* a tool that is missing or unfit is a tool failure (exit 3), whatever the errno */
	if (!on_path(qemu))
		return kbtf_err(-KBTF_ETOOL, "%s not found (Debian: apt-get install %s)", qemu,
				a->qemu_package);
	err = kbtf_bt_check_static(busybox, a->e_machine);
	if (err) {
		snprintf(why, sizeof(why), "busybox for %s kernels (Debian: busybox-static%s%s)",
			 a->name, kbtf_bt_arch_is_host(a) ? "" : " for ",
			 kbtf_bt_arch_is_host(a) ? "" : a->debian_arch);
		return kbtf_err_prefix(-KBTF_ETOOL, "%s", why);
	}
	err = kbtf_bt_check_static(loader, a->e_machine);
	if (err)
		return kbtf_err_prefix(-KBTF_ETOOL, "kbtf-modload for %s kernels", a->name);
	return 0;
}

static int run_all(const struct bt_opts *o, const struct kbtf_vrun *run,
		   const struct bt_module *mods, size_t nr_mods, struct kbtf_bt_report *r)
{
	char *workdir = NULL;
	size_t i;
	int err;

	err = make_workdir(o, &workdir);
	if (err)
		return err;
	r->kernels = calloc(o->nr_kernels, sizeof(*r->kernels));
	if (!r->kernels) {
		free(workdir);
		return kbtf_err_nomem();
	}
	for (i = 0; i < o->nr_kernels && !err; i++) {
		struct bt_kernel_ctx c = {
		    .o = o,
		    .run = run,
		    .mods = mods,
		    .nr_mods = nr_mods,
		};

		r->kernels[i].source = o->kernels[i];
		r->nr_kernels++;
		fprintf(stderr, "boot-test: %s ...\n", o->kernels[i]);
		err = run_kernel(&c, workdir, i, &r->kernels[i]);
		if (err)
			kbtf_err_prefix(err, "%s", o->kernels[i]);
		else if (r->kernels[i].open_failed)
			fprintf(stderr, "kbtf: %s: %s\n", o->kernels[i], r->kernels[i].skip_reason);
		kernel_ctx_fini(&c);
	}
	if (o->keep)
		fprintf(stderr, "boot-test: work directory kept: %s\n", workdir);
	else if (!o->work_dir)
		kbtf_rm_rf(workdir);
	free(workdir);
	return err;
}

int cmd_boot_test(int argc, char **argv)
{
	/* boot-test has none of validate's judging options: their defaults */
	static const struct kbtf_matrix_opts mo;
	struct bt_opts o = {0};
	struct cmd_parser p;
	struct kbtf_bt_report r = {0};
	struct kbtf_vrun run = {0};
	struct bt_module *mods = NULL;
	size_t nr_mods = 0;
	char *loader = NULL;
	int err, ret = KBTF_EXIT_USAGE;

	err = parse_opts(&p, &o, argc, argv);
	if (err || p.stop) {
		free(o.kernels);
		return p.stop ? p.exit : cmd_error("boot-test", err);
	}
	/* bad input is exit 2 before any work, and before tools are looked for */
	err = open_modules(&run, &mo, &o, argc - optind, argv + optind, &mods, &nr_mods);
	if (err) {
		ret = cmd_error(NULL, err); /* "kbtf: nosuch.ko: cannot open: ..." */
		goto out;
	}
	/* the default (x86_64) tools are checked before any work, as always */
	if (!o.nr_busybox && !o.nr_loader) {
		const struct kbtf_bt_arch *a = kbtf_bt_arch_default();

		loader = find_loader(&o, a);
		err = loader ? check_tools(&o, a, find_busybox(&o, a), loader) : -ENOMEM;
		if (err) {
			ret = cmd_error("boot-test", err);
			goto out;
		}
	}
	r.force = o.force;
	r.timeout_s = o.timeout_s;
	err = run_all(&o, &run, mods, nr_mods, &r);
	if (err) {
		ret = cmd_error("boot-test", err);
		/* out of memory mid-boot (qemu's serial log) leaves no answer: inconclusive */
		if (err == -ENOMEM)
			ret = KBTF_EXIT_TOOL;
		goto out;
	}
	err = write_report(&o, &r);
	if (err) {
		ret = cmd_error("boot-test", err);
		goto out;
	}
	ret = exit_code(&r);
out:
	report_fini(&r);
	free(mods);
	kbtf_vrun_fini(&run);
	free(loader);
	free(o.kernels);
	return ret;
}
