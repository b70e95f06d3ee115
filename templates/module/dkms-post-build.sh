#!/bin/sh
# POST_BUILD hook of @NAME@ (see dkms.conf). DKMS runs it from its build
# directory after it has stripped (or not), signed and compressed the module
# into $dkms_tree/@NAME@/@VERSION@/KERNEL/ARCH/module/.
kernelver=${1:?usage: dkms-post-build.sh KERNELVER ARCH KERNEL_SOURCE_DIR}
arch=${2:?}
kdir=${3:?}
kbtf=${KBTF:-kbtf}
if ! command -v "$kbtf" >/dev/null 2>&1; then
	echo "kbtf not installed: no distilled BTF"
	exit 0
fi
# STRIP[0]="no" in dkms.conf: kbtf strips debug info after embedding
exec "$kbtf" dkms post-build --kernel "$kernelver" --arch "$arch" --kdir "$kdir" --strip
