/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kbtf boot-test: boot real kernels under qemu with an initramfs kbtf
 * writes itself, load modules there, and hold what the kernel did against
 * what the validator predicted.
 *
 * The pieces, one file each:
 *   boottest_arch.c      per guest architecture: qemu, machine, console, binaries
 *   boottest_cpio.c      newc archive writer (the initramfs container)
 *   boottest_initramfs.c busybox + loader + /init + modules -> initramfs
 *   boottest_moddir.c    a kernel's own modules: index, dependencies, vermagic
 *   boottest_qemu.c      run qemu with a hard deadline, capture the serial line
 *   boottest_serial.c    serial log -> one observation per loaded module
 *   boottest_facts.c     what the kernel checks first: module_layout CRC, vermagic
 *   boottest_expect.c    prediction -> expected observation, and the comparison
 *   boottest_predict.c   the validator's verdict for a (module, kernel) pair
 *   boottest_report.c    text, json and junit reports
 *
 * The guest speaks in lines that start with "KBTF-" (see boottest_serial.c
 * and docs/boot-test.md); kernel console output between them is ignored.
 */
#ifndef KBTF_BOOTTEST_H
#define KBTF_BOOTTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kbtf/buf.h"
#include "kbtf/source.h"

/* ------------------------------------------------------------------ cpio */

/* A newc ("070701") archive built in memory. Zero-initialise before use. */
struct kbtf_cpio {
	struct kbtf_buf out; /* heap; valid after kbtf_cpio_finish */
	size_t cap;
	uint32_t next_ino;
};

int kbtf_cpio_add_dir(struct kbtf_cpio *c, const char *path, unsigned int mode);
int kbtf_cpio_add_file(struct kbtf_cpio *c, const char *path, unsigned int mode, const void *data,
		       size_t size);
int kbtf_cpio_add_symlink(struct kbtf_cpio *c, const char *path, const char *target);
/* Append the trailer; the archive is then in c->out. */
int kbtf_cpio_finish(struct kbtf_cpio *c);
void kbtf_cpio_fini(struct kbtf_cpio *c);

/* ------------------------------------------------------------- initramfs */

/* One module the guest loads, in order. */
struct kbtf_bt_load {
	char *name;	       /* the kernel's name for it (modinfo name=) */
	char *file;	       /* path on the host (for messages) */
	struct kbtf_buf image; /* what goes into the initramfs: decompressed */
	char *needs;	       /* modules to load before it, "a,b" (depends + softdeps) */
	bool is_dep;	       /* a dependency from the kernel's own package */
	bool force;	       /* load past vermagic and modversions */
};

/*
 * A load of module @m: the file as finit_module gets it (decompressed,
 * signature kept). @name overrides m->name when given.
 */
int kbtf_bt_load_from_module(const struct kbtf_module *m, const char *name, bool is_dep, bool force,
			     struct kbtf_bt_load *out);
void kbtf_bt_load_fini(struct kbtf_bt_load *l);

/* ------------------------------------------------------------------ arch */

/* What booting a kernel of one architecture takes (boottest_arch.c). */
struct kbtf_bt_arch {
	const char *name;	  /* as kbtf reports a kernel's arch: x86_64, aarch64 */
	uint16_t e_machine;	  /* of the static binaries in its initramfs */
	const char *qemu;	  /* the system emulator */
	const char *qemu_package; /* Debian's package with it */
	const char *machine;	  /* -M, NULL for qemu's default board */
	const char *append;	  /* the kernel command line (serial console) */
	const char *loader;	  /* kbtf-modload built for it, by file name */
	const char *debian_arch;  /* amd64, arm64 */
};

/* By kernel arch (also Debian's names amd64, arm64); NULL when unknown. */
const struct kbtf_bt_arch *kbtf_bt_arch_find(const char *name);
/* x86_64: what boot-test assumed before it read a kernel's arch. */
const struct kbtf_bt_arch *kbtf_bt_arch_default(void);
/* Whether the host runs this architecture (KVM is possible only then). */
bool kbtf_bt_arch_is_host(const struct kbtf_bt_arch *a);
/* The ELF e_machine of a little-endian ELF file, 0 when it is none. */
uint16_t kbtf_bt_elf_machine(const char *path);

struct kbtf_bt_initramfs {
	const char *busybox; /* a static busybox binary */
	const char *loader;  /* the static kbtf-modload binary */
	uint16_t e_machine;  /* theirs (0: EM_X86_64) */
	const struct kbtf_bt_load *loads;
	size_t nr_loads;
};

/* The /init script for these loads (heap string). */
int kbtf_bt_init_script(const struct kbtf_bt_load *loads, size_t nr_loads, char **out);
/* The whole initramfs as an uncompressed newc archive. */
int kbtf_bt_initramfs_build(const struct kbtf_bt_initramfs *ir, struct kbtf_buf *out);

/* Refuse a busybox or loader that is not a static ELF executable for @e_machine (0: x86-64). */
int kbtf_bt_check_static(const char *path, uint16_t e_machine);

/* ---------------------------------------------------------------- moddir */

struct kbtf_bt_boot;

/*
 * The modules directory of one kernel (lib/modules/<release>): where the
 * dependencies of a test module are found, and which vermagic the kernel's
 * own modules carry.
 */
struct kbtf_bt_moddir;

/* Find the modules directory that belongs with boot image @image. NULL if none. */
char *kbtf_bt_moddir_find(const char *image, const char *release);
int kbtf_bt_moddir_open(const char *dir, struct kbtf_bt_moddir **out);
void kbtf_bt_moddir_free(struct kbtf_bt_moddir *md);
/*
 * Append to @loads (growing *@nr) the kernel modules that @depends
 * (modinfo "a,b,c") needs, dependencies first, each once (names already in
 * the list are skipped). Names in modules.builtin need nothing. A module's
 * softdep "pre:" modules come before it too, as modprobe would load them,
 * when the directory has them (NAME, or NAME_generic for crypto aliases).
 * -ENOENT names the first hard dependency the directory does not have.
 */
int kbtf_bt_moddir_add_deps(struct kbtf_bt_moddir *md, const char *depends,
			    struct kbtf_bt_load **loads, size_t *nr);
/*
 * The first module among @needs (and theirs, through @loads) that the
 * guest did not load, or NULL when all of them loaded.
 */
const char *kbtf_bt_failed_need(const struct kbtf_bt_load *loads, size_t nr, const char *needs,
				const struct kbtf_bt_boot *boot);
/* vermagic of the kernel's own modules ("" when none could be read). */
const char *kbtf_bt_moddir_vermagic(struct kbtf_bt_moddir *md);

/* ------------------------------------------------------------------ qemu */

enum kbtf_bt_accel {
	KBTF_BT_ACCEL_AUTO = 0, /* kvm when it can run a guest, else tcg */
	KBTF_BT_ACCEL_KVM,
	KBTF_BT_ACCEL_TCG,
};

struct kbtf_qemu_opts {
	const struct kbtf_bt_arch *arch; /* the guest's (NULL: x86_64) */
	const char *qemu;		 /* binary (default the arch's qemu on PATH) */
	const char *kernel;		 /* boot image */
	const char *initrd;
	const char *append; /* NULL: the boot-test default */
	unsigned int timeout_s;
	unsigned int mem_mb;
	enum kbtf_bt_accel accel;
	const char *done_marker; /* stop waiting soon after this line appears */
};

struct kbtf_qemu_run {
	char *serial; /* everything qemu wrote (serial console), NUL-terminated */
	size_t serial_len;
	const char *accel; /* "kvm" or "tcg" */
	double seconds;	   /* wall time from start to exit or kill */
	bool timed_out;	   /* killed at the deadline */
	int exit_code;	   /* qemu's exit status, -signal when killed */
	/* auto only: why the KVM boot was dropped and run again under TCG */
	const char *kvm_failed;
	double kvm_seconds; /* wall time the dropped KVM boot took */
};

/*
 * KVM for the auto choice: /dev/kvm opens read-write and answers, and on
 * x86 /proc/cpuinfo advertises vmx or svm (/dev/kvm alone can exist where
 * a guest dies at its first instruction).
 */
bool kbtf_bt_kvm_usable(void);
/* Whether /proc/cpuinfo text has "vmx" or "svm" among a "flags" line's words. */
bool kbtf_bt_cpuinfo_has_virt(const char *cpuinfo);
/* Why qemu's output says KVM cannot run the guest, or NULL when it does not. */
const char *kbtf_bt_kvm_failure(const char *qemu_output);
/* Run qemu once. 0 when it ran (see @run for how it ended). */
int kbtf_qemu_run(const struct kbtf_qemu_opts *opts, struct kbtf_qemu_run *run);
void kbtf_qemu_run_fini(struct kbtf_qemu_run *run);

/* ---------------------------------------------------------------- serial */

/* What the guest reported about one module it tried to load. */
struct kbtf_bt_obs {
	char *name;
	bool is_dep;
	bool started; /* KBTF-BEGIN seen */
	bool result;  /* KBTF-LOAD seen */
	int rc;	      /* 0 loaded, -1 refused */
	int err;      /* errno of a refusal */
	char errname[24];
	int btf;    /* /sys/kernel/btf/<name>: 1 present, 0 absent, -1 not reported */
	char **log; /* kernel log lines printed during this load */
	size_t nr_log;
};

enum kbtf_bt_boot_status {
	KBTF_BT_BOOT_OK = 0,  /* init ran and said it was done */
	KBTF_BT_BOOT_NO_INIT, /* the kernel never reached our /init */
	KBTF_BT_BOOT_CUT,     /* init started but never finished (hang, panic) */
	KBTF_BT_BOOT_QEMU,    /* qemu could not run the image */
	KBTF_BT_BOOT_SKIPPED, /* not booted (no image, nothing to load) */
};

const char *kbtf_bt_boot_status_str(enum kbtf_bt_boot_status s);

struct kbtf_bt_boot {
	enum kbtf_bt_boot_status status;
	char *release;	    /* uname -r in the guest */
	double init_uptime; /* kernel uptime when /init started (s) */
	char *panic;	    /* the first "Kernel panic" / "BUG:" console line */
	struct kbtf_bt_obs *obs;
	size_t nr_obs;
};

int kbtf_bt_parse_serial(const char *text, size_t len, struct kbtf_bt_boot *out);
const struct kbtf_bt_obs *kbtf_bt_boot_find(const struct kbtf_bt_boot *b, const char *name);
void kbtf_bt_boot_fini(struct kbtf_bt_boot *b);

/* ------------------------------------------------------------ prediction */

enum kbtf_bt_verdict {
	KBTF_BT_V_UNKNOWN = 0, /* no prediction could be made */
	KBTF_BT_V_OK,
	KBTF_BT_V_LAYOUT_DRIFT,
	KBTF_BT_V_BTF_REJECTED,
	KBTF_BT_V_NO_DISTILLED,
	KBTF_BT_V_SYMBOLS,
	KBTF_BT_V_ELF_REJECTED,
};

/* Tri-state facts: yes, no, or not known. */
enum kbtf_bt_tri {
	KBTF_BT_ANY = -1,
	KBTF_BT_NO = 0,
	KBTF_BT_YES = 1,
};

/* The validator's verdict, reduced to what boot-test can observe. */
struct kbtf_bt_prediction {
	enum kbtf_bt_verdict verdict;
	char verdict_str[40]; /* as `kbtf validate` prints it */
	/* the loader's ELF checks refuse it (-ENOEXEC, forced or not), with
	 * this line in the kernel's log */
	bool elf_refused;
	char elf_needle[160];
	char detail[512]; /* its one-line reason */
	/* would the kernel accept the module's BTF (relocation and checks)? */
	enum kbtf_bt_tri btf_accepted;
	char needle[128];	/* a name the kernel's log should show, or "" */
	bool symbols_missing;	/* refused even when forced (unknown symbol, ...) */
	int refuse_err;		/* ... with this errno */
	char sym_needle[128];	/* ... and this in the log */
	bool crc_mismatch;	/* modversions CRCs differ (forcing skips them) */
	bool symbols_unchecked; /* no export list: the symbol step is unknown */
	/* the kernel log of a normal (not forced) load, line for line, as
	 * `kbtf validate` predicts it for the first module of a boot; empty
	 * with log_known false when it cannot be complete */
	bool log_known;
	char log[4096];
};

struct kbtf_result;

/* Reduce the validator's result for one pair (kbtf_validate_pair). */
void kbtf_bt_prediction_from_result(const struct kbtf_result *r, struct kbtf_bt_prediction *p);
const char *kbtf_bt_verdict_str(enum kbtf_bt_verdict v);

/* -------------------------------------------------------------- expect */

/* What boot-test knows beside the prediction, for one pair. */
struct kbtf_bt_facts {
	bool force;
	bool module_has_btf;
	bool module_has_crcs;	     /* __versions present */
	const char *module_vermagic; /* NULL: unknown */
	const char *kernel_vermagic; /* NULL or "": unknown */
	enum kbtf_bt_tri kernel_modversions;
	enum kbtf_bt_tri kernel_btf_modules; /* DEBUG_INFO_BTF_MODULES */
	enum kbtf_bt_tri allow_btf_mismatch; /* MODULE_ALLOW_BTF_MISMATCH */
	/* module_layout's CRC in the module's __versions vs Module.symvers */
	enum kbtf_bt_tri layout_crc_match;
	/* carries a signature: whether it verifies depends on the keys the
	 * booted machine trusts, so the signature notice is not compared */
	bool module_signed;
};

struct kbtf_vkernel;

/* Gather the facts for module @m on kernel @vk (NULL: all unknown). */
void kbtf_bt_facts_fill(struct kbtf_bt_facts *f, const struct kbtf_module *m,
			const struct kbtf_vkernel *vk, const char *kernel_vermagic, bool force);

struct kbtf_bt_expect {
	enum kbtf_bt_tri loads;
	enum kbtf_bt_tri btf; /* /sys/kernel/btf/<module> exists */
	int err;	      /* errno of the expected refusal (0: any) */
	char needle[160];     /* the module's kernel log must contain this */
	char why[256];	      /* which rule gave this expectation */
	/* a normal load: the loader's lines, exactly, in this order (the
	 * prediction less the once-per-boot lines an earlier load of the
	 * same boot printed; kbtf_bt_expect_in_boot) */
	bool exact;
	bool skip_signature; /* the module is signed: its notice is not compared */
	/* btf_parse_module() fails with the verifier's own "BPF: ..." lines
	 * before "failed to validate module" (6.1) or "Kernel module BTF
	 * mismatch detected" (6.2+): kbtf does not predict those words */
	bool verifier_lines;
	char log[4096];
};

enum kbtf_bt_agreement {
	KBTF_BT_AGREE = 0,
	KBTF_BT_DISAGREE,
	KBTF_BT_INCONCLUSIVE, /* nothing to compare: no prediction, no boot */
};

const char *kbtf_bt_agreement_str(enum kbtf_bt_agreement a);

void kbtf_bt_expect(const struct kbtf_bt_prediction *p, const struct kbtf_bt_facts *f,
		    struct kbtf_bt_expect *e);
/*
 * The expectation of the next module of a boot whose earlier loads printed
 * the once-per-boot lines in *@printed (klog.h), which it extends.
 */
void kbtf_bt_expect_in_boot(struct kbtf_bt_expect *e, unsigned int *printed);
/*
 * Hold an observation (NULL: the module never got its turn) against the
 * expectation. @why receives one line naming the first difference.
 */
enum kbtf_bt_agreement kbtf_bt_compare(const struct kbtf_bt_expect *e, const struct kbtf_bt_obs *o,
				       bool have_prediction, char *why, size_t why_len);
/* "loaded, BTF registered", "refused: EINVAL", ... */
void kbtf_bt_obs_str(const struct kbtf_bt_obs *o, char *buf, size_t len);
void kbtf_bt_expect_str(const struct kbtf_bt_expect *e, char *buf, size_t len);

/* -------------------------------------------------------------- report */

struct kbtf_bt_pair {
	const char *module; /* module name */
	const char *module_path;
	struct kbtf_bt_prediction pred;
	bool have_pred;
	struct kbtf_bt_expect expect;
	const struct kbtf_bt_obs *obs; /* into the kernel's boot */
	enum kbtf_bt_agreement agreement;
	char why[256];
};

struct kbtf_bt_kernel_result {
	const char *source;
	char *release;
	char *image;
	char *skip_reason; /* set when not booted (then there are no pairs) */
	bool open_failed;  /* the source could not be read at all */
	struct kbtf_qemu_run run;
	struct kbtf_bt_boot boot;
	struct kbtf_bt_pair *pairs;
	size_t nr_pairs;
	const struct kbtf_bt_load *deps; /* dependency loads, for the report */
	size_t nr_deps;
};

struct kbtf_bt_report {
	bool force;
	unsigned int timeout_s;
	struct kbtf_bt_kernel_result *kernels;
	size_t nr_kernels;
};

enum kbtf_bt_format {
	KBTF_BT_FMT_TEXT = 0,
	KBTF_BT_FMT_JSON,
	KBTF_BT_FMT_JUNIT,
};

int kbtf_bt_report_write(const struct kbtf_bt_report *r, enum kbtf_bt_format fmt, FILE *f);
/* Counts over all pairs: [agree, disagree, inconclusive]. */
void kbtf_bt_report_count(const struct kbtf_bt_report *r, size_t counts[3]);

#endif
