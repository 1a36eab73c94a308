# Syscall driver for LiveFieldsTest: each command makes one kind of system call by number through
# libc's syscall(2) (or, for sockets, through Python's socket module, which calls connect(2)
# directly), then prints what the test needs to know as "key=value" lines on stdout.
# Commands that end with "hold" keep the process (and its sockets) alive until stdin closes, so the
# test can read the alert while the process still exists.
# Usage: python3 -I -S lf.py COMMAND ARGS...
import ctypes
import os
import socket
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NR = {"dup2": 33, "execve": 59, "rename": 82, "mkdir": 83, "unlink": 87, "symlink": 88, "chmod": 90,
      "ptrace": 101, "setuid": 105, "unlinkat": 263, "renameat": 264, "memfd_create": 319}
AT_FDCWD = -100
PTRACE_TRACEME, PTRACE_ATTACH, PTRACE_DETACH = 0, 16, 17
L = ctypes.c_long


def path(p):
    return ctypes.c_char_p(p.encode())


def call(name, *args):
    r = libc.syscall(L(NR[name]), *args)
    return r if r >= 0 else -ctypes.get_errno()


def out(**kv):
    for k, v in kv.items():
        sys.stdout.write("%s=%s\n" % (k, v))
    sys.stdout.flush()


def hold():
    sys.stdin.read()


def do_connect(fam, proto, blocking, host, port):
    af = socket.AF_INET if fam == "4" else socket.AF_INET6
    s = socket.socket(af, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    if blocking == "0":
        s.setblocking(False)
    err = s.connect_ex((host, int(port)))
    local = s.getsockname()
    out(fd=s.fileno(), ret=-err, cip=local[0], cport=local[1])
    hold()


def do_unix(p):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(p)
    srv.listen(1)
    cli = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    err = cli.connect_ex(p)
    out(fd=cli.fileno(), ret=-err)
    hold()


def do_ptrace():
    child = os.fork()
    if child == 0:
        # the tracee: waits to be killed
        import time
        time.sleep(30)
        os._exit(0)
    r = call("ptrace", L(PTRACE_ATTACH), L(child), L(0), L(0))
    os.waitpid(child, 0)
    call("ptrace", L(PTRACE_DETACH), L(child), L(0), L(0))
    os.kill(child, 9)
    os.waitpid(child, 0)
    t = call("ptrace", L(PTRACE_TRACEME), L(0), L(0), L(0))
    out(attach=r, child=child, traceme=t)


def do_io(p):
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    w = os.pwrite(fd, b"lf-io-pwrite\x01\x02", 0)
    r = len(os.pread(fd, 5, 0))
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    cli = socket.create_connection(srv.getsockname())
    conn, _ = srv.accept()
    conn.sendall(b"\xca\xfe\xba\xbe\x00\x00\x00\x34class")
    got = b""
    while len(got) < 13:
        got += cli.recvfrom(64)[0]
    out(fd=fd, sfd=cli.fileno(), sport=srv.getsockname()[1], cport=cli.getsockname()[1], w=w, r=r, ret=len(got))


def do_poll(p):
    import select
    fd = os.open(p, os.O_RDONLY)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    cli = socket.create_connection(srv.getsockname())
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    poller.register(cli.fileno(), select.POLLIN)
    poller.register(999, select.POLLIN)  # not open: POLLNVAL
    ready = poller.poll(0)
    out(fd=fd, sfd=cli.fileno(), sport=srv.getsockname()[1], cport=cli.getsockname()[1], ret=len(ready))


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "connect":
        do_connect(*args)
    elif cmd == "unix":
        do_unix(args[0])
    elif cmd == "setuid":
        out(ret=call("setuid", L(int(args[0]))))
    elif cmd == "ptrace":
        do_ptrace()
    elif cmd == "dup2":
        fd = os.open(args[0], os.O_RDONLY)
        out(oldfd=fd, ret=call("dup2", L(fd), L(int(args[1]))))
    elif cmd == "rename":
        out(ret=call("rename", path(args[0]), path(args[1])))
    elif cmd == "renameat":
        out(ret=call("renameat", L(AT_FDCWD), path(args[0]), L(AT_FDCWD), path(args[1])))
    elif cmd == "unlink":
        out(ret=call("unlink", path(args[0])))
    elif cmd == "unlinkat":
        out(ret=call("unlinkat", L(AT_FDCWD), path(args[0]), L(0)))
    elif cmd == "mkdir":
        out(ret=call("mkdir", path(args[0]), L(int(args[1], 8))))
    elif cmd == "symlink":
        out(ret=call("symlink", path(args[0]), path(args[1])))
    elif cmd == "chmod":
        out(ret=call("chmod", path(args[0]), L(int(args[1], 8))))
    elif cmd == "memfd":
        out(ret=call("memfd_create", path(args[0]), L(1)))
    elif cmd == "poll":
        do_poll(args[0])
    elif cmd == "io":
        do_io(args[0])
    elif cmd == "execfail":
        argv0 = ctypes.c_char_p(args[0].encode())
        arr = (ctypes.c_char_p * 2)(argv0, None)
        env = (ctypes.c_char_p * 1)(None)
        out(ret=call("execve", argv0, arr, env))
    else:
        raise SystemExit("unknown command " + cmd)


main(sys.argv)
