// SPDX-License-Identifier: GPL-2.0
/*
 * @NAME@: an out-of-tree kernel module, started with "kbtf new".
 *
 * It keeps a list of items under a spinlock and lets a work item count
 * them. Replace it with your driver. The kernel types it embeds by value
 * (spinlock_t, struct list_head, struct work_struct) are what its
 * distilled base BTF (.BTF.base, written by kbtf) describes, so that the
 * kernel can relocate the module's BTF onto whichever 6.11+ kernel loads
 * it, and "kbtf validate" can say before release where that would fail.
 */
#include <linux/list.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

static unsigned int nr_items = 4;
module_param(nr_items, uint, 0444);
MODULE_PARM_DESC(nr_items, "items queued at load time");

struct @NAME@_item {
	struct list_head node;
	unsigned int id;
};

/* The module's state: kernel types embedded by value. */
struct @NAME@_state {
	spinlock_t lock; /* protects items */
	struct list_head items;
	struct work_struct count_work;
	unsigned int counted;
};

static struct @NAME@_state *state;

static noinline void @NAME@_count(struct work_struct *work)
{
	struct @NAME@_state *s = container_of(work, struct @NAME@_state, count_work);
	struct @NAME@_item *it;
	unsigned int n = 0;

	spin_lock(&s->lock);
	list_for_each_entry(it, &s->items, node)
		n++;
	s->counted = n;
	spin_unlock(&s->lock);
	pr_info("@NAME@: %u items\n", n);
}

static noinline int @NAME@_add(struct @NAME@_state *s, unsigned int id)
{
	struct @NAME@_item *it = kzalloc(sizeof(*it), GFP_KERNEL);

	if (!it)
		return -ENOMEM;
	it->id = id;
	spin_lock(&s->lock);
	list_add_tail(&it->node, &s->items);
	spin_unlock(&s->lock);
	return 0;
}

static void @NAME@_free(struct @NAME@_state *s)
{
	struct @NAME@_item *it, *tmp;

	list_for_each_entry_safe(it, tmp, &s->items, node) {
		list_del(&it->node);
		kfree(it);
	}
	kfree(s);
}

static int __init @NAME@_init(void)
{
	unsigned int i;
	int err;

	state = kzalloc(sizeof(*state), GFP_KERNEL);
	if (!state)
		return -ENOMEM;
	spin_lock_init(&state->lock);
	INIT_LIST_HEAD(&state->items);
	INIT_WORK(&state->count_work, @NAME@_count);
	for (i = 0; i < nr_items; i++) {
		err = @NAME@_add(state, i);
		if (err) {
			@NAME@_free(state);
			return err;
		}
	}
	schedule_work(&state->count_work);
	return 0;
}

static void __exit @NAME@_exit(void)
{
	cancel_work_sync(&state->count_work);
	@NAME@_free(state);
}

module_init(@NAME@_init);
module_exit(@NAME@_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("@NAME@ (made with kbtf new)");
MODULE_VERSION("@VERSION@");
