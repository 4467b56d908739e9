//go:build amd64 && !noasm

#include "textflag.h"

// func Prefetch(x []float64)
// PREFETCHT0 of every 64-byte line that holds an element of x.
TEXT ·Prefetch(SB), NOSPLIT, $0-24
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	SHLQ $3, CX
	ADDQ SI, CX
	ANDQ $-64, SI

loop:
	CMPQ SI, CX
	JAE  done
	PREFETCHT0 (SI)
	ADDQ $64, SI
	JMP  loop

done:
	RET
