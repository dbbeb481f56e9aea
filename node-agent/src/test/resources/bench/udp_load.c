/*
 * Load generator of the net-rx benchmark: a paced UDP sender and a receiver on 127.0.0.1 that
 * hold a packet rate on a busy machine.
 *   udp_load recv PORT SECONDS             reads with recvmmsg (one recvmsg per datagram inside
 *                                          the kernel, so one sock:sock_recv_length each)
 *   udp_load send PORT PACKETS_PER_S SECONDS
 * Both raise themselves to SCHED_FIFO (when allowed) so that other work cannot take their CPU
 * time. The sender wakes every millisecond on an absolute clock and sends, with sendmmsg, every
 * packet owed since the start (packets/s x elapsed - sent), so a late wake-up is made up in
 * the next batch instead of lowering the rate. Each prints what it achieved when it ends:
 *   sent=<n> seconds=<s> rate=<packets/s>        received=<n> seconds=<s> rate=<packets/s>
 * The receiver's window runs from its first datagram to its last (it stops after SECONDS or
 * one second without data); the sender stops after SECONDS or at SIGTERM.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DATAGRAM_BYTES 64
#define BATCH 256
#define RT_PRIORITY 10
#define RECEIVE_BUFFER_BYTES (16 << 20)

static volatile sig_atomic_t stopped;

static void stop(int signal)
{
	(void)signal;
	stopped = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void real_time(void)
{
	struct sched_param param = {.sched_priority = RT_PRIORITY};

	if (sched_setscheduler(0, SCHED_FIFO, &param) != 0)
		fprintf(stderr, "udp_load: no SCHED_FIFO (%s), running at normal priority\n",
			strerror(errno));
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};

	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return address;
}

static int receive(int port, double seconds)
{
	static char buffers[BATCH][DATAGRAM_BYTES];
	struct mmsghdr messages[BATCH];
	struct iovec iovs[BATCH];
	struct sockaddr_in address = loopback(port);
	struct timeval idle = {.tv_sec = 1};
	int size = RECEIVE_BUFFER_BYTES;
	long received = 0;
	double first = 0, last = 0;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
		perror("udp_load recv");
		return 1;
	}
	/* A big buffer (FORCE: past rmem_max, as root) so a preempted reader drops nothing. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
	for (int i = 0; i < BATCH; i++) {
		iovs[i].iov_base = buffers[i];
		iovs[i].iov_len = DATAGRAM_BYTES;
		memset(&messages[i].msg_hdr, 0, sizeof(messages[i].msg_hdr));
		messages[i].msg_hdr.msg_iov = &iovs[i];
		messages[i].msg_hdr.msg_iovlen = 1;
	}
	real_time();
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int got = recvmmsg(fd, messages, BATCH, MSG_WAITFORONE, NULL);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && received > 0)
				break; /* a second without data: the sender is done */
			if (errno == EAGAIN)
				continue;
			perror("udp_load recvmmsg");
			return 1;
		}
		if (received == 0)
			first = now_s();
		received += got;
		last = now_s();
		if (last - first >= seconds)
			break;
	}
	printf("received=%ld seconds=%.3f rate=%.0f\n", received, last - first,
	       last > first ? received / (last - first) : 0.0);
	return 0;
}

static int send_paced(int port, long per_second, double seconds)
{
	static char payload[DATAGRAM_BYTES];
	struct mmsghdr messages[BATCH];
	struct iovec iov = {.iov_base = payload, .iov_len = DATAGRAM_BYTES};
	struct sockaddr_in address = loopback(port);
	struct timespec tick;
	long sent = 0;
	double start, elapsed;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
		perror("udp_load send");
		return 1;
	}
	for (int i = 0; i < BATCH; i++) {
		memset(&messages[i].msg_hdr, 0, sizeof(messages[i].msg_hdr));
		messages[i].msg_hdr.msg_iov = &iov;
		messages[i].msg_hdr.msg_iovlen = 1;
	}
	signal(SIGTERM, stop);
	real_time();
	start = now_s();
	clock_gettime(CLOCK_MONOTONIC, &tick);
	while (!stopped && (elapsed = now_s() - start) < seconds) {
		long owed = (long)(elapsed * per_second) - sent;

		while (owed > 0) {
			int batch = owed < BATCH ? (int)owed : BATCH;
			int done = sendmmsg(fd, messages, batch, 0);

			if (done < 0) {
				if (errno == EINTR || errno == ENOBUFS || errno == ECONNREFUSED)
					break; /* try again at the next tick */
				perror("udp_load sendmmsg");
				return 1;
			}
			sent += done;
			owed -= done;
		}
		tick.tv_nsec += 1000000;
		if (tick.tv_nsec >= 1000000000) {
			tick.tv_nsec -= 1000000000;
			tick.tv_sec += 1;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
	}
	elapsed = now_s() - start;
	printf("sent=%ld seconds=%.3f rate=%.0f\n", sent, elapsed, sent / elapsed);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "recv") == 0)
		return receive(atoi(argv[2]), atof(argv[3]));
	if (argc == 5 && strcmp(argv[1], "send") == 0)
		return send_paced(atoi(argv[2]), atol(argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: %s recv PORT SECONDS | send PORT PACKETS_PER_S SECONDS\n", argv[0]);
	return 2;
}
