"""Authenticate one account through a PAM service, as a login program would (run with the node's own Python).

Usage: python3 pam_probe.py SERVICE USER PASSWORD → exit 0 when PAM says yes, 1 when it says no.
Only the standard library (ctypes on libpam), so it runs inside a lab host without anything installed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from typing import Any

PROMPT_ECHO_OFF, PROMPT_ECHO_ON = 1, 2


class Message(ctypes.Structure):
    _fields_ = [("msg_style", ctypes.c_int), ("msg", ctypes.c_char_p)]


class Response(ctypes.Structure):
    _fields_ = [("resp", ctypes.c_void_p), ("resp_retcode", ctypes.c_int)]


CONV = ctypes.CFUNCTYPE(
    ctypes.c_int,
    ctypes.c_int,
    ctypes.POINTER(ctypes.POINTER(Message)),
    ctypes.POINTER(ctypes.POINTER(Response)),
    ctypes.c_void_p,
)


class Conversation(ctypes.Structure):
    _fields_ = [("conv", CONV), ("appdata_ptr", ctypes.c_void_p)]


def authenticate(service: str, user: str, password: str) -> int:
    """PAM's answer: pam_authenticate, then pam_acct_mgmt (0 = success)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.calloc.restype = ctypes.c_void_p
    libc.calloc.argtypes = [ctypes.c_size_t, ctypes.c_size_t]
    libc.strdup.restype = ctypes.c_void_p
    libc.strdup.argtypes = [ctypes.c_char_p]
    pam = ctypes.CDLL(ctypes.util.find_library("pam"))

    def answer(count: int, messages: Any, responses: Any, _data: Any) -> int:
        block = ctypes.cast(libc.calloc(count, ctypes.sizeof(Response)), ctypes.POINTER(Response))
        for i in range(count):
            if messages[i].contents.msg_style in (PROMPT_ECHO_OFF, PROMPT_ECHO_ON):
                block[i].resp = libc.strdup(password.encode())  # PAM frees what it is given
        responses[0] = block
        return 0

    callback = CONV(answer)
    handle = ctypes.c_void_p()
    conversation = Conversation(callback, None)
    status = pam.pam_start(service.encode(), user.encode(), ctypes.byref(conversation), ctypes.byref(handle))
    if status == 0:
        status = pam.pam_authenticate(handle, 0)
    if status == 0:
        status = pam.pam_acct_mgmt(handle, 0)
    pam.pam_end(handle, status)
    return int(status)


if __name__ == "__main__":
    sys.exit(0 if authenticate(sys.argv[1], sys.argv[2], sys.argv[3]) == 0 else 1)
