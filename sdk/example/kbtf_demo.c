// SPDX-License-Identifier: GPL-2.0
/*
 * kbtf_demo: the example out-of-tree module of the kbtf SDK.
 *
 * It watches network devices come and go (a netdevice notifier), queues
 * each event on a list, and lets a work item log them; a timer counts
 * seconds. Nothing useful, but it uses kernel types the way real modules
 * do, so that its distilled base BTF has something to say:
 *
 *   by value   spinlock_t, struct list_head, struct work_struct, struct timer_list, struct completion,
 *              wait_queue_head_t, struct kref, struct notifier_block
 *              (their sizes must match the running kernel's);
 *   by pointer struct task_struct, struct sk_buff, struct net_device
 *              (their member layout must, for the fields read here);
 *   symbols    kmalloc/kfree, mutex_lock, queue_work_on, mod_timer,
 *              register_netdevice_notifier, __alloc_skb, ... (so symbol
 *              and CRC checks have something to check).
 */
#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/version.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

/*
 * Linux 6.16 renamed from_timer() to timer_container_of() and dropped
 * del_timer_sync(); timer_delete_sync() is there since 6.2.
 */
#if !defined(from_timer) && defined(timer_container_of)
#define from_timer(var, t, field) timer_container_of(var, t, field)
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define kbtf_demo_timer_delete_sync timer_delete_sync
#else
#define kbtf_demo_timer_delete_sync del_timer_sync
#endif

static unsigned int max_ticks = 5;
module_param(max_ticks, uint, 0444);
MODULE_PARM_DESC(max_ticks, "seconds the demo timer keeps ticking");

/* One network device event, waiting for the work item to log it. */
struct kbtf_demo_event {
	struct list_head node;
	struct net_device *dev; /* held with dev_hold() until logged */
	unsigned long what;     /* NETDEV_UP, NETDEV_DOWN, ... */
	unsigned long when;     /* jiffies */
};

/* The module's state: kernel types embedded by value and by pointer. */
struct kbtf_demo {
	spinlock_t lock; /* protects events, nevents */
	struct list_head events;
	unsigned int nevents;
	struct work_struct log_work;
	struct timer_list tick;
	unsigned int ticks;
	struct completion ticks_done;
	wait_queue_head_t waiters;
	struct kref ref;
	struct notifier_block netdev_nb;
	struct task_struct *loader; /* who loaded us */
	struct sk_buff *probe;      /* a small skb built at load */
};

static struct kbtf_demo *demo;

/*
 * Statically initialised on purpose: mutex_init() calls __mutex_init(),
 * which PREEMPT_RT kernels do not export (their mutexes sit on rt_mutex).
 * Without that call the same .ko resolves its symbols on -rt kernels too,
 * so what a -rt kernel does with its BTF (spinlock_t differs there) shows.
 */
static DEFINE_MUTEX(kbtf_demo_log_lock); /* serialises logging */

static void kbtf_demo_release(struct kref *ref)
{
	struct kbtf_demo *d = container_of(ref, struct kbtf_demo, ref);

	kfree_skb(d->probe);
	kfree(d);
}

static void kbtf_demo_log_event(struct kbtf_demo *d, struct kbtf_demo_event *ev)
{
	mutex_lock(&kbtf_demo_log_lock);
	pr_info("kbtf_demo: %s: event %lu, %u ms ago\n", netdev_name(ev->dev), ev->what,
		jiffies_to_msecs(jiffies - ev->when));
	mutex_unlock(&kbtf_demo_log_lock);
}

static void kbtf_demo_log_work(struct work_struct *work)
{
	struct kbtf_demo *d = container_of(work, struct kbtf_demo, log_work);
	struct kbtf_demo_event *ev, *tmp;
	LIST_HEAD(todo);

	spin_lock_bh(&d->lock);
	list_splice_init(&d->events, &todo);
	d->nevents = 0;
	spin_unlock_bh(&d->lock);

	list_for_each_entry_safe(ev, tmp, &todo, node) {
		kbtf_demo_log_event(d, ev);
		list_del(&ev->node);
		dev_put(ev->dev);
		kfree(ev);
	}
}

static int kbtf_demo_netdev_event(struct notifier_block *nb, unsigned long what, void *ptr)
{
	struct kbtf_demo *d = container_of(nb, struct kbtf_demo, netdev_nb);
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct kbtf_demo_event *ev;

	if (what != NETDEV_UP && what != NETDEV_DOWN && what != NETDEV_REGISTER)
		return NOTIFY_DONE;
	ev = kmalloc(sizeof(*ev), GFP_KERNEL);
	if (!ev)
		return NOTIFY_DONE;
	dev_hold(dev);
	ev->dev = dev;
	ev->what = what;
	ev->when = jiffies;

	spin_lock_bh(&d->lock);
	list_add_tail(&ev->node, &d->events);
	d->nevents++;
	spin_unlock_bh(&d->lock);
	schedule_work(&d->log_work);
	return NOTIFY_OK;
}

static void kbtf_demo_tick(struct timer_list *t)
{
	struct kbtf_demo *d = from_timer(d, t, tick);

	if (++d->ticks < max_ticks) {
		mod_timer(&d->tick, jiffies + HZ);
		return;
	}
	complete(&d->ticks_done);
	wake_up(&d->waiters);
}

/* Build a small skb at load time, so the module really touches sk_buff. */
static struct sk_buff *kbtf_demo_make_probe(void)
{
	static const char hello[] = "kbtf";
	struct sk_buff *skb;

	skb = alloc_skb(64, GFP_KERNEL);
	if (!skb)
		return NULL;
	skb_reserve(skb, 16);
	skb_put_data(skb, hello, sizeof(hello));
	return skb;
}

static int __init kbtf_demo_init(void)
{
	struct kbtf_demo *d;
	int err;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	spin_lock_init(&d->lock);
	INIT_LIST_HEAD(&d->events);
	INIT_WORK(&d->log_work, kbtf_demo_log_work);
	timer_setup(&d->tick, kbtf_demo_tick, 0);
	init_completion(&d->ticks_done);
	init_waitqueue_head(&d->waiters);
	kref_init(&d->ref);
	d->loader = current;
	d->probe = kbtf_demo_make_probe();
	if (!d->probe) {
		err = -ENOMEM;
		goto out_put;
	}

	d->netdev_nb.notifier_call = kbtf_demo_netdev_event;
	err = register_netdevice_notifier(&d->netdev_nb);
	if (err)
		goto out_put;

	demo = d;
	mod_timer(&d->tick, jiffies + HZ);
	pr_info("kbtf_demo: loaded by %s (pid %d), probe skb of %u bytes\n", d->loader->comm,
		task_pid_nr(d->loader), d->probe->len);
	return 0;

out_put:
	kref_put(&d->ref, kbtf_demo_release);
	return err;
}

static void __exit kbtf_demo_exit(void)
{
	struct kbtf_demo *d = demo;

	unregister_netdevice_notifier(&d->netdev_nb);
	kbtf_demo_timer_delete_sync(&d->tick);
	flush_work(&d->log_work);
	kbtf_demo_log_work(&d->log_work); /* whatever came after the flush */
	pr_info("kbtf_demo: unloaded after %u ticks\n", d->ticks);
	kref_put(&d->ref, kbtf_demo_release);
}

module_init(kbtf_demo_init);
module_exit(kbtf_demo_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kbtf");
MODULE_DESCRIPTION("kbtf SDK example: kernel types by value and by pointer");
