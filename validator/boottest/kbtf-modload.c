// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kbtf-modload: the module loader inside kbtf boot-test's initramfs.
 *
 * busybox insmod cannot force past vermagic or modversions, and a module
 * built for one kernel release is routinely tried on another, so this
 * small static program calls finit_module(2) itself and reports the
 * outcome as one line the host parses:
 *
 *   KBTF-LOAD name=<name> rc=<0|-1> errno=<n> err=<ENAME> msg=<strerror>
 *
 * Usage: kbtf-modload [-f] NAME FILE [PARAMS]
 *   -f  pass MODULE_INIT_IGNORE_MODVERSIONS | MODULE_INIT_IGNORE_VERMAGIC
 *
 * Built with -static: the initramfs has no C library.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/module.h>

/* The errnos finit_module(2) and open(2) give, by name for the host's parser. */
static const struct {
	int err;
	const char *name;
} errnos[] = {
    {EPERM, "EPERM"},
    {ENOENT, "ENOENT"},
    {EIO, "EIO"},
    {ENXIO, "ENXIO"},
    {E2BIG, "E2BIG"},
    {ENOEXEC, "ENOEXEC"},
    {EBADF, "EBADF"},
    {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"},
    {EFAULT, "EFAULT"},
    {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"},
    {ENODEV, "ENODEV"},
    {EINVAL, "EINVAL"},
    {ENOSPC, "ENOSPC"},
    {ERANGE, "ERANGE"},
    {ENOSYS, "ENOSYS"},
    {EBADMSG, "EBADMSG"},
    {EOPNOTSUPP, "EOPNOTSUPP"},
    {ETIMEDOUT, "ETIMEDOUT"},
    {ENOKEY, "ENOKEY"},
    {EKEYREJECTED, "EKEYREJECTED"},
    {EKEYEXPIRED, "EKEYEXPIRED"},
};

static const char *errno_name(int e)
{
	size_t i;

	if (!e)
		return "0";
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
		if (errnos[i].err == e)
			return errnos[i].name;
	}
	return "E?";
}

int main(int argc, char **argv)
{
	unsigned int flags = 0;
	const char *params = "";
	int argi = 1;
	int fd, rc, err = 0;

	if (argc > 1 && !strcmp(argv[1], "-f")) {
		flags = MODULE_INIT_IGNORE_MODVERSIONS | MODULE_INIT_IGNORE_VERMAGIC;
		argi++;
	}
	if (argc - argi < 2) {
		fprintf(stderr, "usage: kbtf-modload [-f] NAME FILE [PARAMS]\n");
		return 2;
	}
	if (argc - argi > 2)
		params = argv[argi + 2];

	fd = open(argv[argi + 1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		rc = -1;
	} else {
		rc = (int)syscall(SYS_finit_module, fd, params, flags);
		if (rc)
			err = errno;
		close(fd);
	}
	printf("KBTF-LOAD name=%s rc=%d errno=%d err=%s msg=%s\n", argv[argi], rc ? -1 : 0, err,
	       errno_name(err), err ? strerror(err) : "ok");
	fflush(stdout);
	return rc ? 1 : 0;
}
