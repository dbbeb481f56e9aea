/*
 * Test fixture of the net-rx tests: a TCP or UDP receiver on 127.0.0.1 (tcp, udp) or ::1 (tcp6,
 * udp6) that reads in one of three ways between reads, so the queue delay and its cause are known:
 *   net_receiver tcp|udp|tcp6|udp6 sleep|at-once|busy PAUSE_MS [io_uring]
 * "sleep" sleeps PAUSE_MS between reads (off the CPU), "busy" spins PAUSE_MS in
 * net_rx_test_busy_wait (on the CPU), "at-once" reads again at once (blocking).
 * With "io_uring" each read is an IORING_OP_RECV submitted and waited for through raw io_uring
 * syscalls (no liburing), instead of recv(2).
 * It prints "port=<n>" once it listens (TCP) or is bound (UDP), then serves one sender. One read
 * takes up to 64 KiB: all a TCP sender of 1 KiB a millisecond queues in a pause, one UDP datagram.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The on-CPU hotspot the tests look for. */
__attribute__((noinline)) void net_rx_test_busy_wait(int ms)
{
	double until = now_ms() + ms;
	volatile unsigned long spins = 0;

	while (now_ms() < until)
		spins++;
}

/* One submission queue and completion queue, mapped once (IORING_FEAT_SINGLE_MMAP kernels). */
static struct {
	int fd;
	unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
} ring = {.fd = -1};

static int ring_setup(void)
{
	struct io_uring_params p;
	size_t size;
	char *rings;

	memset(&p, 0, sizeof(p));
	ring.fd = syscall(__NR_io_uring_setup, 4, &p);
	if (ring.fd < 0 || !(p.features & IORING_FEAT_SINGLE_MMAP))
		return -1;
	size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	if (p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe) > size)
		size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	rings = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring.fd,
		     IORING_OFF_SQ_RING);
	ring.sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, ring.fd, IORING_OFF_SQES);
	if (rings == MAP_FAILED || ring.sqes == MAP_FAILED)
		return -1;
	ring.sq_tail = (unsigned *)(rings + p.sq_off.tail);
	ring.sq_mask = (unsigned *)(rings + p.sq_off.ring_mask);
	ring.sq_array = (unsigned *)(rings + p.sq_off.array);
	ring.cq_head = (unsigned *)(rings + p.cq_off.head);
	ring.cq_mask = (unsigned *)(rings + p.cq_off.ring_mask);
	ring.cqes = (struct io_uring_cqe *)(rings + p.cq_off.cqes);
	return 0;
}

/* recv(2) through io_uring: one IORING_OP_RECV, submitted and waited for in one io_uring_enter. */
static ssize_t ring_recv(int fd, char *buffer, size_t length)
{
	unsigned tail = *ring.sq_tail, index = tail & *ring.sq_mask, head;
	struct io_uring_sqe *sqe = &ring.sqes[index];
	int result;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_RECV;
	sqe->fd = fd;
	sqe->addr = (unsigned long)buffer;
	sqe->len = length;
	ring.sq_array[index] = index;
	__atomic_store_n(ring.sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -1;
	head = __atomic_load_n(ring.cq_head, __ATOMIC_ACQUIRE);
	result = ring.cqes[head & *ring.cq_mask].res;
	__atomic_store_n(ring.cq_head, head + 1, __ATOMIC_RELEASE);
	if (result < 0) {
		errno = -result;
		return -1;
	}
	return result;
}

static void pause_between_reads(const char *mode, int ms)
{
	if (strcmp(mode, "sleep") == 0) {
		struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

		nanosleep(&ts, NULL);
	} else if (strcmp(mode, "busy") == 0) {
		net_rx_test_busy_wait(ms);
	}
}

int main(int argc, char **argv)
{
	static char buffer[1 << 16];
	struct sockaddr_in v4 = {.sin_family = AF_INET};
	struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	struct sockaddr *address;
	socklen_t length;
	int tcp, ipv6, fd, data, uring;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: %s tcp|udp|tcp6|udp6 sleep|at-once|busy PAUSE_MS [io_uring]\n",
			argv[0]);
		return 2;
	}
	uring = argc == 5 && strcmp(argv[4], "io_uring") == 0;
	if (uring && ring_setup() != 0) {
		perror("io_uring");
		return 1;
	}
	tcp = strncmp(argv[1], "tcp", 3) == 0;
	ipv6 = argv[1][3] == '6';
	v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	address = ipv6 ? (struct sockaddr *)&v6 : (struct sockaddr *)&v4;
	length = ipv6 ? sizeof(v6) : sizeof(v4);
	fd = socket(ipv6 ? AF_INET6 : AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, address, length) != 0 || getsockname(fd, address, &length) != 0 ||
	    (tcp && listen(fd, 1) != 0)) {
		perror("socket");
		return 1;
	}
	printf("port=%d\n", ntohs(ipv6 ? v6.sin6_port : v4.sin_port));
	fflush(stdout);
	data = tcp ? accept(fd, NULL, NULL) : fd;
	if (data < 0) {
		perror("accept");
		return 1;
	}
	for (;;) {
		ssize_t got = uring ? ring_recv(data, buffer, sizeof(buffer)) :
				      recv(data, buffer, sizeof(buffer), 0);

		if (got == 0)
			return 0;
		if (got < 0 && errno != EINTR)
			return 1;
		pause_between_reads(argv[2], atoi(argv[3]));
	}
}
