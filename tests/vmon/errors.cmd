# Each error path: one line on stderr naming this file's line, the session
# goes on, and vmon's status is 5 at the end (errors.err, errors.out).
frobnicate
step 0
step many
break nosuch
break *0x1002
break gpa:0x1000
x/4q result
x/0w result
x/w result+1
x/w 0x1000000
xp/w 0x1000000
x/w (1+2
x/w 1+
x/w 12abc
disas _start 0
delete 7
vm 1
until-exit
regs extra
help nosuch
help step
x/w 0x1000000-4
run-to done
continue
step
help
#   the list, from the command table (the step above was refused; this runs)
