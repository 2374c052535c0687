"""Settings for the whole test run, applied before any test module is imported.

whisper's transcript of a hard phrase depends on the CPU's arithmetic kernels. CTranslate2
runs int8 matrix products through Intel MKL on Intel CPUs and through oneDNN on others, and
each picks the widest instruction set the CPU has; the rounding differs, and with it, now
and then, a word (CI heard espeak-ng's "one two one eight six" at 8 kHz as "12186" on one
machine and as "1 to 1 a stick" on another). The tests pin transcripts, so every x86-64
machine runs them on the same kernels: oneDNN, AVX2 at most (which every x86-64 server of
the last decade has). The variables are inherited by the speech services and stacks the
tests start; the product itself keeps CTranslate2's defaults.
"""

from __future__ import annotations

import os
import platform

if platform.machine().lower() in {"x86_64", "amd64"}:
    os.environ.setdefault("CT2_USE_MKL", "0")
    os.environ.setdefault("CT2_FORCE_CPU_ISA", "AVX2")
    os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")
