# Syscall driver for EvtgenScenariosTest: performs the exact system call a Falco event-generator
# scenario step names (open, openat, openat2, link, linkat, symlink, symlinkat, dup2, dup3, socket,
# connect, execveat of a memfd), by number through libc's syscall(2), so that the C library cannot
# substitute another call. Runs under the name of the symlink it was started through.
# Usage: python3 -I -S eg.py COMMAND ARGS...   (prints one "name result" line per call to stderr)
import ctypes
import os
import socket
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NR = {"open": 2, "dup2": 33, "socket": 41, "link": 86, "symlink": 88, "openat": 257,
      "linkat": 265, "symlinkat": 266, "dup3": 292, "openat2": 437}
AT_FDCWD = -100
L = ctypes.c_long
S = ctypes.c_char_p


def call(name, *args):
    r = libc.syscall(L(NR[name]), *args)
    if r < 0:
        r = -ctypes.get_errno()
    sys.stderr.write("%s %d\n" % (name, r))
    sys.stderr.flush()
    return r


def flags(text):
    v = 0
    for f in text.split("|"):
        if f and f != "0":
            v |= getattr(os, f)
    return v


class OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


def do_open(sc, fl, mode, paths):
    for p in paths:
        b = S(p.encode())
        if sc == "open":
            fd = call("open", b, L(fl), L(mode))
        elif sc == "openat":
            fd = call("openat", L(AT_FDCWD), b, L(fl), L(mode))
        else:
            how = OpenHow(fl, mode if fl & os.O_CREAT else 0, 0)
            fd = call("openat2", L(AT_FDCWD), b, ctypes.byref(how), L(ctypes.sizeof(how)))
        if fd >= 0:
            os.close(fd)


def do_link(sc, old, new):
    o, n = S(old.encode()), S(new.encode())
    if sc == "link":
        call("link", o, n)
    elif sc == "linkat":
        call("linkat", L(AT_FDCWD), o, L(AT_FDCWD), n, L(0))
    elif sc == "symlink":
        call("symlink", o, n)
    else:
        call("symlinkat", o, L(AT_FDCWD), n)
    try:
        os.unlink(new)
    except FileNotFoundError:
        pass


def do_redirect(sc, proto, port, newfds):
    fam, host = (socket.AF_INET, "127.0.0.1") if proto == "tcp4" else (socket.AF_INET6, "::1")
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(1)
    cli = socket.socket(fam, socket.SOCK_STREAM)
    cli.connect(srv.getsockname()[:2])
    peer, _ = srv.accept()
    # the std fds are about to be replaced: report on a private copy of stderr
    err = os.dup(2)
    for n in newfds:
        if sc == "dup2":
            r = libc.syscall(L(NR["dup2"]), L(cli.fileno()), L(n))
        else:
            r = libc.syscall(L(NR["dup3"]), L(cli.fileno()), L(n), L(0))
        os.write(err, b"%s %d\n" % (sc.encode(), r))


def do_connect(host, ports):
    for port in ports:
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((host, port))
        srv.listen(1)
        cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        r = cli.connect_ex((host, port))
        sys.stderr.write("connect %s:%d %d\n" % (host, port, r))
        cli.close()
        srv.close()


def do_memfd_exec(source, args):
    fd = os.memfd_create("eg_memfd", 0)
    with open(source, "rb") as f:
        os.write(fd, f.read())
    # fexecve: execveat(fd, "", argv, envp, AT_EMPTY_PATH)
    os.execve(fd, args, {})


def main(argv):
    cmd = argv[1]
    if cmd in ("open", "openat", "openat2"):
        do_open(cmd, flags(argv[2]), int(argv[3], 8), argv[4:])
    elif cmd in ("link", "linkat", "symlink", "symlinkat"):
        for pair in argv[2:]:
            old, new = pair.split("=>")
            do_link(cmd, old, new)
    elif cmd == "redirect":
        do_redirect(argv[2], argv[3], int(argv[4]), [int(n) for n in argv[5:]])
    elif cmd == "packet":
        fd = call("socket", L(socket.AF_PACKET), L(socket.SOCK_RAW), L(0))
        if fd >= 0:
            os.close(fd)
    elif cmd == "connect":
        do_connect(argv[2], [int(p) for p in argv[3:]])
    elif cmd == "memfd-exec":
        do_memfd_exec(argv[2], argv[3:])
    elif cmd == "sleep-open":
        time.sleep(float(argv[2]))
        do_open("openat", os.O_RDONLY, 0, argv[3:])
    else:
        raise SystemExit("unknown command " + cmd)


main(sys.argv)
