// SPDX-License-Identifier: GPL-2.0
/*
 * Test module for kbtf's distillation tests: embeds kernel types by value
 * (spinlock_t, work_struct, list_head), points at others (task_struct,
 * sk_buff), declares a kfunc set (a set8 in .BTF_ids) and a BTF_ID_LIST
 * naming a vmlinux type the module's own types never mention (inode).
 * Builds on 6.1 and 6.12.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/list.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/bpf.h>

#ifndef __bpf_kfunc
#define __bpf_kfunc __used noinline
#endif
#ifndef __bpf_kfunc_start_defs
#define __bpf_kfunc_start_defs()
#define __bpf_kfunc_end_defs()
#endif
#ifndef BTF_KFUNCS_START
#define BTF_KFUNCS_START(name) BTF_SET8_START(name)
#define BTF_KFUNCS_END(name) BTF_SET8_END(name)
#endif

struct kbtf_kfuncs_state {
	spinlock_t lock;
	struct work_struct work;
	struct list_head items;
	struct task_struct *owner;
	struct sk_buff *last;
	int count;
};

static struct kbtf_kfuncs_state state;

__bpf_kfunc_start_defs();

__bpf_kfunc int kbtf_kfuncs_count(struct task_struct *t)
{
	return state.count + (t ? 1 : 0);
}

__bpf_kfunc void kbtf_kfuncs_touch(struct sk_buff *skb)
{
	state.last = skb;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(kbtf_kfuncs_ids)
BTF_ID_FLAGS(func, kbtf_kfuncs_touch)
BTF_ID_FLAGS(func, kbtf_kfuncs_count)
BTF_KFUNCS_END(kbtf_kfuncs_ids)

static const struct btf_kfunc_id_set kbtf_kfuncs_set = {
	.owner = THIS_MODULE,
	.set = &kbtf_kfuncs_ids,
};

BTF_ID_LIST(kbtf_kfuncs_list)
BTF_ID(struct, sk_buff)
BTF_ID(struct, task_struct)
BTF_ID(struct, kbtf_kfuncs_state)
BTF_ID(struct, inode)

u32 kbtf_kfuncs_id(int i);
u32 kbtf_kfuncs_id(int i)
{
	return kbtf_kfuncs_list[i];
}
EXPORT_SYMBOL_GPL(kbtf_kfuncs_id);

static void kbtf_kfuncs_work(struct work_struct *w)
{
	spin_lock(&state.lock);
	state.count++;
	spin_unlock(&state.lock);
}

static int __init kbtf_kfuncs_init(void)
{
	spin_lock_init(&state.lock);
	INIT_WORK(&state.work, kbtf_kfuncs_work);
	INIT_LIST_HEAD(&state.items);
	state.owner = current;
	schedule_work(&state.work);
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING, &kbtf_kfuncs_set);
}

static void __exit kbtf_kfuncs_exit(void)
{
	flush_work(&state.work);
}

module_init(kbtf_kfuncs_init);
module_exit(kbtf_kfuncs_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kbtf test module: kfunc set and BTF_ID_LIST");
