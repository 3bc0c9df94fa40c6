// check: the floor of one readiness check on this machine, with no language runtime at all.
//
// Each iteration sleeps for the interval (one timer wake-up of the thread), then asks sock_diag
// whether anything listens on 127.0.0.1:PORT (one request and one answer over NETLINK_SOCK_DIAG:
// a lookup of one socket, not a dump), the request the adapter's check makes while the app is
// absent (adapter/readiness/listencheck_linux.go). It prints the CPU the process
// used per iteration (getrusage, user + system), so that the bench can set the adapter's own cost
// per check beside what the kernel and the machine charge for the same work.
//
//   check ITERATIONS INTERVAL_NS PORT [wake]    # "wake": the timer wake-up alone, no request
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

static double cpu_us(void) {
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	return r.ru_utime.tv_sec * 1e6 + r.ru_utime.tv_usec + r.ru_stime.tv_sec * 1e6 + r.ru_stime.tv_usec;
}

int main(int argc, char **argv) {
	if (argc < 4) {
		fprintf(stderr, "usage: check ITERATIONS INTERVAL_NS PORT [wake]\n");
		return 2;
	}
	int n = atoi(argv[1]);
	long interval = atol(argv[2]);
	int port = atoi(argv[3]);
	int ask = !(argc > 4 && strcmp(argv[4], "wake") == 0);
	if (n <= 0 || interval <= 0 || interval >= 1000000000L || port <= 0 || port > 65535) {
		fprintf(stderr, "check: bad arguments\n");
		return 2;
	}
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0) {
		perror("check: socket(NETLINK_SOCK_DIAG)");
		return 1;
	}
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req;
	memset(&req, 0, sizeof req);
	req.h.nlmsg_len = sizeof req;
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.r.sdiag_family = AF_INET;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = 1 << 10; /* TCP_LISTEN */
	req.r.id.idiag_sport = htons(port);
	req.r.id.idiag_src[0] = htonl(INADDR_LOOPBACK);
	req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	char buf[8192];
	double start = cpu_us();
	for (int i = 0; i < n; i++) {
		struct timespec t = {0, interval};
		nanosleep(&t, NULL);
		if (!ask)
			continue;
		if (send(nl, &req, sizeof req, 0) < 0 || recv(nl, buf, sizeof buf, 0) < 0) {
			perror("check: sock_diag");
			return 1;
		}
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			fprintf(stderr, "check: something listens on 127.0.0.1:%d\n", port);
			return 1;
		}
		if (h->nlmsg_type != NLMSG_ERROR || ((struct nlmsgerr *)NLMSG_DATA(h))->error != -ENOENT) {
			fprintf(stderr, "check: sock_diag answered neither a socket nor ENOENT (type %d)\n", h->nlmsg_type);
			return 1;
		}
	}
	printf("%.2f\n", (cpu_us() - start) / n);
	return 0;
}
