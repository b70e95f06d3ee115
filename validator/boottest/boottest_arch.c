// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What booting a kernel of each architecture takes: the qemu system
 * emulator and machine, the serial console the kernel writes to, and the
 * ELF machine of the static busybox and kbtf-modload its initramfs needs.
 * The guest's architecture is the kernel's (read from its image), never
 * the host's: an arm64 kernel boots under qemu-system-aarch64 on any host.
 *
 * arm64 boots qemu's "virt" board, whose PL011 UART is ttyAMA0; Debian's
 * arm64 kernels (6.1 to 7.2) have the PL011 driver and its console built
 * in, so the initramfs needs no module before /init speaks.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "boottest.h"
#include "kbtf/err.h"
#include "util.h"

static const struct kbtf_bt_arch arches[] = {
    {
	.name = "x86_64",
	.e_machine = EM_X86_64,
	.qemu = "qemu-system-x86_64",
	.qemu_package = "qemu-system-x86",
	.machine = NULL,
	.append = "console=ttyS0 panic=-1 loglevel=7",
	.loader = "kbtf-modload",
	.debian_arch = "amd64",
    },
    {
	.name = "aarch64",
	.e_machine = EM_AARCH64,
	.qemu = "qemu-system-aarch64",
	.qemu_package = "qemu-system-arm",
	.machine = "virt",
	.append = "console=ttyAMA0 panic=-1 loglevel=7",
	.loader = "kbtf-modload-aarch64",
	.debian_arch = "arm64",
    },
};

const struct kbtf_bt_arch *kbtf_bt_arch_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	if (!strcmp(name, "arm64"))
		name = "aarch64";
	else if (!strcmp(name, "amd64") || !strcmp(name, "x86-64"))
		name = "x86_64";
	for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (!strcmp(arches[i].name, name))
			return &arches[i];
	return NULL;
}

const struct kbtf_bt_arch *kbtf_bt_arch_default(void)
{
	return &arches[0];
}

bool kbtf_bt_arch_is_host(const struct kbtf_bt_arch *a)
{
	const struct kbtf_bt_arch *host = kbtf_bt_arch_find(kbtf_uname_machine());

	return host == a;
}

uint16_t kbtf_bt_elf_machine(const char *path)
{
	unsigned char h[EI_NIDENT + 4];
	uint16_t m = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (read(fd, h, sizeof(h)) == (ssize_t)sizeof(h) && !memcmp(h, ELFMAG, SELFMAG) &&
	    h[EI_DATA] == ELFDATA2LSB)
		m = (uint16_t)(h[EI_NIDENT + 2] | h[EI_NIDENT + 3] << 8);
	close(fd);
	return m;
}
