start:
    add x1, x2
    vadd.f32 x1, x2, x3, x4
    beq x1, x0, nowhere
