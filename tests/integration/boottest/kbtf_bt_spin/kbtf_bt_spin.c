// SPDX-License-Identifier: GPL-2.0
/*
 * kbtf_bt_spin: boot-test's smallest proof module. It embeds spinlock_t
 * by value (so its distilled base records struct spinlock with its size)
 * and calls only what every Debian 6.1/6.12 flavour exports, RT included
 * (raw spinlock entry points, _printk): a forced load then gets past the
 * symbol checks everywhere, and what happens next is the kernel's BTF
 * handling alone. On PREEMPT_RT struct spinlock is 32 bytes, not 4, so a
 * module distilled on 6.12.113-amd64 loads there without BTF.
 */
#include <linux/list.h>
#include <linux/module.h>
#include <linux/spinlock.h>

struct kbtf_bt_spin_state {
	spinlock_t lock; /* protects count */
	struct list_head items;
	unsigned long count;
};

static struct kbtf_bt_spin_state kbtf_bt_spin_state;

static int __init kbtf_bt_spin_init(void)
{
	struct kbtf_bt_spin_state *s = &kbtf_bt_spin_state;

	spin_lock_init(&s->lock);
	INIT_LIST_HEAD(&s->items);
	spin_lock(&s->lock);
	s->count++;
	spin_unlock(&s->lock);
	pr_info("kbtf_bt_spin: loaded, count %lu\n", s->count);
	return 0;
}

static void __exit kbtf_bt_spin_exit(void)
{
}

module_init(kbtf_bt_spin_init);
module_exit(kbtf_bt_spin_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kbtf boot-test fixture: spinlock_t embedded by value");
