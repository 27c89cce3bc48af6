# spin.s - a program that never ends: the step limit's test (limit.cmd).
        .text
_start: j       _start
