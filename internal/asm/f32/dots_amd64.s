//go:build amd64 && !noasm

#include "textflag.h"

// func dots4x2AVX2(d *[8]float32, x0, x1, x2, x3, w0, w1 *float32, n8 int)
//
// The lane part of Dots4x2Go: n8 (a positive multiple of 8) elements of four x rows
// against two w rows, eight accumulators (one per x row and w row, lanes i mod 8), each
// reduced as ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)). The caller adds the tail.
TEXT ·dots4x2AVX2(SB), NOSPLIT, $0-64
	MOVQ d+0(FP), DI
	MOVQ x0+8(FP), R8
	MOVQ x1+16(FP), R9
	MOVQ x2+24(FP), R10
	MOVQ x3+32(FP), R11
	MOVQ w0+40(FP), R12
	MOVQ w1+48(FP), R13
	MOVQ n8+56(FP), CX
	SHLQ $2, CX
	XORQ AX, AX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

	// Two steps of four elements per pass (the same accumulators, so the same sums),
	// then one step when n4/4 is odd.
	MOVQ CX, DX
	ANDQ $-64, DX
	JEQ  one

loop:
	VMOVUPS (R12)(AX*1), Y8
	VMOVUPS (R13)(AX*1), Y9
	VMOVUPS (R8)(AX*1), Y10
	VFMADD231PS Y8, Y10, Y0
	VFMADD231PS Y9, Y10, Y1
	VMOVUPS (R9)(AX*1), Y11
	VFMADD231PS Y8, Y11, Y2
	VFMADD231PS Y9, Y11, Y3
	VMOVUPS (R10)(AX*1), Y12
	VFMADD231PS Y8, Y12, Y4
	VFMADD231PS Y9, Y12, Y5
	VMOVUPS (R11)(AX*1), Y13
	VFMADD231PS Y8, Y13, Y6
	VFMADD231PS Y9, Y13, Y7
	VMOVUPS 32(R12)(AX*1), Y8
	VMOVUPS 32(R13)(AX*1), Y9
	VMOVUPS 32(R8)(AX*1), Y10
	VFMADD231PS Y8, Y10, Y0
	VFMADD231PS Y9, Y10, Y1
	VMOVUPS 32(R9)(AX*1), Y11
	VFMADD231PS Y8, Y11, Y2
	VFMADD231PS Y9, Y11, Y3
	VMOVUPS 32(R10)(AX*1), Y12
	VFMADD231PS Y8, Y12, Y4
	VFMADD231PS Y9, Y12, Y5
	VMOVUPS 32(R11)(AX*1), Y13
	VFMADD231PS Y8, Y13, Y6
	VFMADD231PS Y9, Y13, Y7
	ADDQ $64, AX
	CMPQ AX, DX
	JLT  loop
	CMPQ AX, CX
	JEQ  reduce

one:
	VMOVUPS (R12)(AX*1), Y8
	VMOVUPS (R13)(AX*1), Y9
	VMOVUPS (R8)(AX*1), Y10
	VFMADD231PS Y8, Y10, Y0
	VFMADD231PS Y9, Y10, Y1
	VMOVUPS (R9)(AX*1), Y11
	VFMADD231PS Y8, Y11, Y2
	VFMADD231PS Y9, Y11, Y3
	VMOVUPS (R10)(AX*1), Y12
	VFMADD231PS Y8, Y12, Y4
	VFMADD231PS Y9, Y12, Y5
	VMOVUPS (R11)(AX*1), Y13
	VFMADD231PS Y8, Y13, Y6
	VFMADD231PS Y9, Y13, Y7

reduce:
	// hadd(a, b) twice = [a0123, b0123, ·, · | a4567, b4567, ·, ·]; low + high half.
	VHADDPS      Y1, Y0, Y0
	VHADDPS      Y0, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVSD       X0, 0(DI)
	VHADDPS      Y3, Y2, Y2
	VHADDPS      Y2, Y2, Y2
	VEXTRACTF128 $1, Y2, X3
	VADDPS       X3, X2, X2
	VMOVSD       X2, 8(DI)
	VHADDPS      Y5, Y4, Y4
	VHADDPS      Y4, Y4, Y4
	VEXTRACTF128 $1, Y4, X5
	VADDPS       X5, X4, X4
	VMOVSD       X4, 16(DI)
	VHADDPS      Y7, Y6, Y6
	VHADDPS      Y6, Y6, Y6
	VEXTRACTF128 $1, Y6, X7
	VADDPS       X7, X6, X6
	VMOVSD       X6, 24(DI)
	VZEROUPPER
	RET

// func gather4AVX2(d *[4]float32, xt, w *float32, src, eid *int, n int)
// f64's gather4AVX2 in float32: the four items of a node are one 128-bit row of xt.
TEXT ·gather4AVX2(SB), NOSPLIT, $0-48
	MOVQ   d+0(FP), DI
	MOVQ   xt+8(FP), R8
	MOVQ   w+16(FP), R9
	MOVQ   src+24(FP), R10
	MOVQ   eid+32(FP), R11
	MOVQ   n+40(FP), CX
	MOVQ   CX, DX
	ANDQ   $-4, DX
	XORQ   AX, AX
	VXORPS X0, X0, X0
	VXORPS X1, X1, X1
	VXORPS X2, X2, X2
	VXORPS X3, X3, X3
	CMPQ   DX, $0
	JEQ    gtail

gloop:
	MOVQ         (R10)(AX*8), R12
	MOVQ         (R11)(AX*8), R13
	SHLQ         $4, R12
	VBROADCASTSS (R9)(R13*4), X4
	VFMADD231PS  (R8)(R12*1), X4, X0
	MOVQ         8(R10)(AX*8), R12
	MOVQ         8(R11)(AX*8), R13
	SHLQ         $4, R12
	VBROADCASTSS (R9)(R13*4), X5
	VFMADD231PS  (R8)(R12*1), X5, X1
	MOVQ         16(R10)(AX*8), R12
	MOVQ         16(R11)(AX*8), R13
	SHLQ         $4, R12
	VBROADCASTSS (R9)(R13*4), X6
	VFMADD231PS  (R8)(R12*1), X6, X2
	MOVQ         24(R10)(AX*8), R12
	MOVQ         24(R11)(AX*8), R13
	SHLQ         $4, R12
	VBROADCASTSS (R9)(R13*4), X7
	VFMADD231PS  (R8)(R12*1), X7, X3
	ADDQ         $4, AX
	CMPQ         AX, DX
	JLT          gloop

gtail:
	CMPQ         AX, CX
	JGE          gdone
	MOVQ         (R10)(AX*8), R12
	MOVQ         (R11)(AX*8), R13
	SHLQ         $4, R12
	VBROADCASTSS (R9)(R13*4), X4
	VFMADD231PS  (R8)(R12*1), X4, X0
	INCQ         AX
	JMP          gtail

gdone:
	VADDPS  X1, X0, X0
	VADDPS  X3, X2, X2
	VADDPS  X2, X0, X0
	VMOVUPS X0, (DI)
	RET
