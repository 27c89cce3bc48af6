# A branch to itself for ever, --max-steps 1000: step 600 runs 600, the
# continue the 400 left, and the session ends there with status 4 (the
# step after it never runs).
step 600
continue
step
