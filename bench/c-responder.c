/* The reference for the FastCGI benchmark: a minimal C libfcgi responder with the same process model as
 * Gatehouse (N processes accepting on one unix socket) answering the same /health body. */
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s SOCKET PROCESSES\n", argv[0]); return 2; }
    FCGX_Init();
    unlink(argv[1]);
    int sock = FCGX_OpenSocket(argv[1], 1024);
    if (sock < 0) { perror("FCGX_OpenSocket"); return 1; }
    chmod(argv[1], 0666);
    int n = atoi(argv[2]);
    for (int i = 0; i < n; i++) {
        if (fork() == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            FCGX_Request request;
            FCGX_InitRequest(&request, sock, 0);
            static const char body[] = "{\"status\":\"ok\",\"version\":\"0.1.0\"}";
            char head[256];
            int headLength = snprintf(head, sizeof head,
                "Status: 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %zu\r\n\r\n",
                sizeof body - 1);
            while (FCGX_Accept_r(&request) == 0) {
                FCGX_PutStr(head, headLength, request.out);
                FCGX_PutStr(body, sizeof body - 1, request.out);
                FCGX_Finish_r(&request);
            }
            return 0;
        }
    }
    while (wait(NULL) > 0) {}
    return 0;
}
