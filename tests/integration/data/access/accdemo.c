// SPDX-License-Identifier: GPL-2.0
/*
 * What tests/integration/test_access.sh builds with the access plugin: each
 * line that touches a member of a kernel struct says so in an "acc:" comment
 * (TYPE.MEMBER HOW), which the test compares with the module's access record.
 * Its own struct accdemo_priv is not a kernel type and is never recorded.
 */
#include <linux/module.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

struct accdemo_priv {
	struct list_head node;
	int counter;
};

static LIST_HEAD(accdemo_list);

int accdemo_touch(struct net_device *dev, struct sk_buff *skb);
int accdemo_touch(struct net_device *dev, struct sk_buff *skb)
{
	struct accdemo_priv *p = netdev_priv(dev); /* acc: struct net_device.priv address */
	void *data;

	list_add(&p->node, &accdemo_list); /* acc: struct list_head.next write; struct list_head.prev write */
	p->counter++;
	list_add_tail(&p->node, &accdemo_list); /* acc: struct list_head.next write; struct list_head.prev write */
	dev->mtu = 1400;		   /* acc: struct net_device.mtu write */
	dev->stats.rx_packets++;	   /* acc: struct net_device.stats.rx_packets write */
	data = skb_put(skb, 4);
	skb->ip_summed = CHECKSUM_NONE;	   /* acc: struct sk_buff.ip_summed write */
	if (skb->dev != dev)		   /* acc: struct sk_buff.dev read */
		return -1;
	return dev->ifindex + (data != NULL) + skb->len; /* acc: struct net_device.ifindex read; struct sk_buff.len read */
}
EXPORT_SYMBOL(accdemo_touch);

/* net_device members that 6.12.117 moved by 8 bytes (watchdog_lock went in
 * before them) with the struct's size unchanged */
void *accdemo_ml_priv(struct net_device *dev);
void *accdemo_ml_priv(struct net_device *dev)
{
	dev->needs_free_netdev = true; /* acc: struct net_device.needs_free_netdev write */
	return dev->ml_priv;	       /* acc: struct net_device.ml_priv read */
}
EXPORT_SYMBOL(accdemo_ml_priv);

static int __init accdemo_init(void)
{
	return 0;
}

static void __exit accdemo_exit(void)
{
}

module_init(accdemo_init);
module_exit(accdemo_exit);
MODULE_LICENSE("GPL");
