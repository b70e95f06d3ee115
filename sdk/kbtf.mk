# kbtf.mk: BTF every target kernel can use, for an existing out-of-tree
# module build, by adding one line at the end of the module's Makefile:
#
#     include /usr/local/share/kbtf/kbtf.mk
#
# How: when that Makefile runs kbuild ("$(MAKE) -C $(KDIR) M=$(PWD)
# modules"), kbuild finishes each .ko in scripts/Makefile.modfinal with its
# "BTF [M]" step (the make variable cmd_btf_ko, present since Linux 5.11;
# it encodes BTF with pahole only when KDIR has a vmlinux, and so skips it
# on distro headers that have none). This file overrides that step, for
# the kbuild run its Makefile starts, with "kbtf distill", which encodes
# the module's DWARF with pahole against the kernel's BTF (found from KDIR,
# /boot/vmlinuz-<release>, a stored kernel profile, ... or KBTF_FLAGS'
# --base) and writes what the kernel built for reads, saying which and why:
# for Linux 6.11 and later a distilled .BTF.base + split .BTF (+
# .kbtf.layout); before 6.11, which ignores .BTF.base, a plain split .BTF on
# the kernel's full BTF. Where that BTF is nowhere to be found, the module
# is kept without BTF, as kbuild itself does on headers without a vmlinux,
# and a warning says how to give it.
#
# Needs the target kernel built with CONFIG_DEBUG_INFO_BTF_MODULES=y (every
# Debian kernel is), and the module built with debug info (kbuild's
# default when the kernel has CONFIG_DEBUG_INFO).
#
# Variables (set them before the include, or on the make command line):
#   KBTF        the kbtf program (default: the one installed beside this
#               file, else "kbtf" from PATH)
#   KBTF_FLAGS  extra "kbtf distill" options, e.g.
#               --base /path/to/vmlinuz   --sign signing_key.pem cert.pem
#               --plain-split or --distilled (instead of the pick by release)
#               --missing-base=fail (no base: fail the build)   -q (quieter)
#   KBTF_HOOK   set to 0 to build without kbtf (plain kbuild behaviour)
#   KBTF_ACCESS set to 0 to compile without the access-record plugin
#   KBTF_KDIR   the kernel build directory, for the plugin (default: the
#               first of KDIR, KERNELDIR, KERNEL_DIR, KSRC, KERNEL_SRC set
#               by the Makefile, else /lib/modules/$(uname -r)/build)
#
# The access record (docs/access.md): the module's objects are compiled
# with kbtf's GCC plugin, built once for that kernel's compiler, which
# records the kernel struct members the code touches; kbuild takes it from
# KCFLAGS in the environment (a KCFLAGS given on make's command line wins,
# and leaves it out).
#
# The kbuild pass over the same Makefile (KERNELRELEASE set) is left alone.

ifeq ($(KERNELRELEASE),)
ifneq ($(KBTF_HOOK),0)

kbtf_mk_dir := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
KBTF ?= $(firstword $(wildcard $(kbtf_mk_dir)/../../bin/kbtf $(kbtf_mk_dir)/../build/kbtf) kbtf)
KBTF_FLAGS ?=

# Expanded by kbuild's make, where $@ is the .ko and objtree is KDIR.
export KBTF_BTF_KO = $(KBTF) distill --missing-base=warn --kdir $$(abspath $$(objtree)) $(KBTF_FLAGS) $$@

# A command-line style override, so every sub-make (kbuild's included)
# takes it over its own definition. Four $ survive two expansions.
MAKEOVERRIDES += cmd_btf_ko=$$$$(KBTF_BTF_KO)

ifneq ($(KBTF_ACCESS),0)
KBTF_KDIR ?= $(firstword $(KDIR) $(KERNELDIR) $(KERNEL_DIR) $(KSRC) $(KERNEL_SRC) \
	/lib/modules/$(shell uname -r)/build)
# a warning on stderr and no flag when no plugin can be built
kbtf_access_flag := $(if $(wildcard $(KBTF_KDIR)/.config),$(shell $(KBTF) build \
	--access-kcflags --kdir $(KBTF_KDIR)))
# A kbtf_access plugin inherited from an enclosing make for another kernel
# (another compiler's build of it) goes: GCC refuses one plugin name given
# with two paths ("plugin kbtf_access was specified with different paths").
export KCFLAGS := $(strip $(filter-out -fplugin=%/kbtf_access.so -fplugin=kbtf_access.so \
	-fplugin=kbtf_access,$(KCFLAGS)) $(kbtf_access_flag))
endif

endif
endif
