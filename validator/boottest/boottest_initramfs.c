// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The boot-test initramfs: a static busybox, kbtf's static module loader,
 * an /init script, and the modules to load (the kernel's own dependencies
 * first). /init reports each load in "KBTF-" lines on the console (the
 * grammar is in boottest_serial.c) and powers the machine off.
 *
 * The console log level is dropped to 1 before the first load so that
 * kernel messages do not interleave with the report; each load's kernel
 * messages are read back with "dmesg -c" and tagged with the module name.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boottest.h"
#include "kbtf/err.h"

#define GUEST_MOD_DIR "/m"

static const char init_head[] =
    "#!/bin/sh\n"
    "# kbtf boot-test /init: load modules, report in KBTF- lines, power off\n"
    "/bin/busybox --install -s /bin\n"
    "export PATH=/bin\n"
    "mount -t proc proc /proc\n"
    "mount -t sysfs sysfs /sys\n"
    "mount -t devtmpfs devtmpfs /dev 2>/dev/null\n"
    "echo \"KBTF-BOOT release=$(uname -r) uptime=$(cut -d' ' -f1 /proc/uptime)\"\n"
    "dmesg -n 1\n"
    "dmesg -c >/dev/null\n"
    "# kbtf_try KIND NAME FILE [-f]\n"
    "kbtf_try() {\n"
    "\techo \"KBTF-BEGIN name=$2 kind=$1\"\n"
    "\t/bin/kbtf-modload $4 \"$2\" \"$3\"\n"
    "\tif [ -e \"/sys/kernel/btf/$2\" ]; then b=present; else b=absent; fi\n"
    "\techo \"KBTF-BTF name=$2 $b\"\n"
    "\tdmesg -c | while IFS= read -r l; do echo \"KBTF-LOG name=$2 $l\"; done\n"
    "\techo \"KBTF-END name=$2\"\n"
    "}\n";

static const char init_tail[] = "echo KBTF-DONE\n"
				"poweroff -f\n";

/* Module names go into a shell script: allow only what the kernel allows. */
static bool name_ok(const char *s)
{
	if (!*s || strlen(s) > 55)
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	}
	return true;
}

static void guest_path(const struct kbtf_bt_load *l, size_t i, char *buf, size_t len)
{
	snprintf(buf, len, GUEST_MOD_DIR "/%02zu-%s.ko", i, l->name);
}

int kbtf_bt_load_from_module(const struct kbtf_module *m, const char *name, bool is_dep, bool force,
			     struct kbtf_bt_load *out)
{
	size_t size = m->image.size + m->signature.size;

	memset(out, 0, sizeof(*out));
	if (!name)
		name = m->name;
	if (!name || !*name)
		return kbtf_err(-EINVAL, "%s: module has no name in its modinfo", m->path);
	out->image.data = malloc(size ? size : 1);
	out->name = strdup(name);
	out->file = strdup(m->path);
	if (!out->image.data || !out->name || !out->file) {
		kbtf_bt_load_fini(out);
		return kbtf_err(-ENOMEM, "%s: out of memory", m->path);
	}
	out->image.owner = KBTF_BUF_HEAP;
	out->image.size = size;
	memcpy(out->image.data, m->image.data, m->image.size);
	if (m->signature.size)
		memcpy(out->image.data + m->image.size, m->signature.data, m->signature.size);
	out->needs = strdup(m->depends ? m->depends : "");
	if (!out->needs) {
		kbtf_bt_load_fini(out);
		return kbtf_err(-ENOMEM, "%s: out of memory", m->path);
	}
	out->is_dep = is_dep;
	out->force = force;
	return 0;
}

void kbtf_bt_load_fini(struct kbtf_bt_load *l)
{
	free(l->name);
	free(l->file);
	free(l->needs);
	kbtf_buf_release(&l->image);
	memset(l, 0, sizeof(*l));
}

int kbtf_bt_init_script(const struct kbtf_bt_load *loads, size_t nr_loads, char **out)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	size_t i;

	for (i = 0; i < nr_loads; i++) {
		if (!name_ok(loads[i].name))
			return kbtf_err(-EINVAL, "%s: module name '%s' is not a kernel module name",
					loads[i].file, loads[i].name);
	}
	f = open_memstream(&text, &len);
	if (!f)
		return kbtf_err(-ENOMEM, "init script: out of memory");
	fputs(init_head, f);
	for (i = 0; i < nr_loads; i++) {
		char path[96];

		guest_path(&loads[i], i, path, sizeof(path));
		fprintf(f, "kbtf_try %s %s %s%s\n", loads[i].is_dep ? "dep" : "test", loads[i].name,
			path, loads[i].force ? " -f" : "");
	}
	fputs(init_tail, f);
	if (fclose(f)) {
		free(text);
		return kbtf_err(-ENOMEM, "init script: out of memory");
	}
	*out = text;
	return 0;
}

/* Does this ELF image ask for a program interpreter (a dynamic loader)? */
static int elf_wants_interp(const uint8_t *data, size_t size, uint16_t machine)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
	const Elf64_Phdr *ph;
	int i;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != machine ||
	    (eh->e_type != ET_EXEC && eh->e_type != ET_DYN))
		return -ENOEXEC;
	if (eh->e_phoff > size || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    (size - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
		return -ENOEXEC;
	ph = (const Elf64_Phdr *)(data + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP)
			return 1;
	}
	return 0;
}

/* A static executable has no PT_INTERP; anything else cannot run in our initramfs. */
int kbtf_bt_check_static(const char *path, uint16_t e_machine)
{
	struct kbtf_buf b = {0};
	uint16_t want = e_machine ? e_machine : EM_X86_64;
	int err;

	err = kbtf_buf_from_file(path, &b);
	if (err)
		return kbtf_err_prefix(err, "%s", path);
	err = elf_wants_interp(b.data, b.size, want);
	kbtf_buf_release(&b);
	if (err < 0)
		return kbtf_err(err, "%s: not an %s ELF executable", path,
				want == EM_AARCH64 ? "aarch64" : "x86-64");
	if (err > 0)
		return kbtf_err(-ENOEXEC, "%s: dynamically linked; a static binary is needed",
				path);
	return 0;
}

static int add_host_file(struct kbtf_cpio *c, const char *guest, const char *host,
			 uint16_t e_machine)
{
	struct kbtf_buf b = {0};
	int err;

	err = kbtf_bt_check_static(host, e_machine);
	if (err)
		return err;
	err = kbtf_buf_from_file(host, &b);
	if (err)
		return kbtf_err_prefix(err, "%s", host);
	err = kbtf_cpio_add_file(c, guest, 0755, b.data, b.size);
	kbtf_buf_release(&b);
	return err;
}

static int add_skeleton(struct kbtf_cpio *c)
{
	static const char *const dirs[] = {"/bin", "/dev", "/proc", "/sys", "/tmp", GUEST_MOD_DIR};
	size_t i;
	int err;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		err = kbtf_cpio_add_dir(c, dirs[i], 0755);
		if (err)
			return err;
	}
	return kbtf_cpio_add_symlink(c, "/bin/sh", "busybox");
}

int kbtf_bt_initramfs_build(const struct kbtf_bt_initramfs *ir, struct kbtf_buf *out)
{
	struct kbtf_cpio c = {0};
	char *init = NULL;
	size_t i;
	int err;

	err = kbtf_bt_init_script(ir->loads, ir->nr_loads, &init);
	if (err)
		return err;
	err = add_skeleton(&c);
	if (!err)
		err = add_host_file(&c, "/bin/busybox", ir->busybox, ir->e_machine);
	if (!err)
		err = add_host_file(&c, "/bin/kbtf-modload", ir->loader, ir->e_machine);
	if (!err)
		err = kbtf_cpio_add_file(&c, "/init", 0755, init, strlen(init));
	for (i = 0; !err && i < ir->nr_loads; i++) {
		char path[96];

		guest_path(&ir->loads[i], i, path, sizeof(path));
		err = kbtf_cpio_add_file(&c, path, 0644, ir->loads[i].image.data,
					 ir->loads[i].image.size);
	}
	if (!err)
		err = kbtf_cpio_finish(&c);
	free(init);
	if (err) {
		kbtf_cpio_fini(&c);
		return err;
	}
	kbtf_buf_move(out, &c.out);
	return 0;
}
