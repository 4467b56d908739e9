//go:build amd64 && !noasm

#include "textflag.h"

// func dots4x2AVX2(d *[8]float64, x0, x1, x2, x3, w0, w1 *float64, n4 int)
//
// The lane part of Dots4x2Go: n4 (a positive multiple of 4) elements of four x rows
// against two w rows, eight accumulators (one per x row and w row, lanes i mod 4), each
// reduced as (l0+l1)+(l2+l3). The caller adds the tail.
TEXT ·dots4x2AVX2(SB), NOSPLIT, $0-64
	MOVQ d+0(FP), DI
	MOVQ x0+8(FP), R8
	MOVQ x1+16(FP), R9
	MOVQ x2+24(FP), R10
	MOVQ x3+32(FP), R11
	MOVQ w0+40(FP), R12
	MOVQ w1+48(FP), R13
	MOVQ n4+56(FP), CX
	SHLQ $3, CX
	XORQ AX, AX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7

	// Two steps of four elements per pass (the same accumulators, so the same sums),
	// then one step when n4/4 is odd.
	MOVQ CX, DX
	ANDQ $-64, DX
	JEQ  one

loop:
	VMOVUPD (R12)(AX*1), Y8
	VMOVUPD (R13)(AX*1), Y9
	VMOVUPD (R8)(AX*1), Y10
	VFMADD231PD Y8, Y10, Y0
	VFMADD231PD Y9, Y10, Y1
	VMOVUPD (R9)(AX*1), Y11
	VFMADD231PD Y8, Y11, Y2
	VFMADD231PD Y9, Y11, Y3
	VMOVUPD (R10)(AX*1), Y12
	VFMADD231PD Y8, Y12, Y4
	VFMADD231PD Y9, Y12, Y5
	VMOVUPD (R11)(AX*1), Y13
	VFMADD231PD Y8, Y13, Y6
	VFMADD231PD Y9, Y13, Y7
	VMOVUPD 32(R12)(AX*1), Y8
	VMOVUPD 32(R13)(AX*1), Y9
	VMOVUPD 32(R8)(AX*1), Y10
	VFMADD231PD Y8, Y10, Y0
	VFMADD231PD Y9, Y10, Y1
	VMOVUPD 32(R9)(AX*1), Y11
	VFMADD231PD Y8, Y11, Y2
	VFMADD231PD Y9, Y11, Y3
	VMOVUPD 32(R10)(AX*1), Y12
	VFMADD231PD Y8, Y12, Y4
	VFMADD231PD Y9, Y12, Y5
	VMOVUPD 32(R11)(AX*1), Y13
	VFMADD231PD Y8, Y13, Y6
	VFMADD231PD Y9, Y13, Y7
	ADDQ $64, AX
	CMPQ AX, DX
	JLT  loop
	CMPQ AX, CX
	JEQ  reduce

one:
	VMOVUPD (R12)(AX*1), Y8
	VMOVUPD (R13)(AX*1), Y9
	VMOVUPD (R8)(AX*1), Y10
	VFMADD231PD Y8, Y10, Y0
	VFMADD231PD Y9, Y10, Y1
	VMOVUPD (R9)(AX*1), Y11
	VFMADD231PD Y8, Y11, Y2
	VFMADD231PD Y9, Y11, Y3
	VMOVUPD (R10)(AX*1), Y12
	VFMADD231PD Y8, Y12, Y4
	VFMADD231PD Y9, Y12, Y5
	VMOVUPD (R11)(AX*1), Y13
	VFMADD231PD Y8, Y13, Y6
	VFMADD231PD Y9, Y13, Y7

reduce:
	// hadd(a, b) = [a0+a1, b0+b1, a2+a3, b2+b3]; low half + high half = the two dots.
	VHADDPD      Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VMOVUPD      X0, 0(DI)
	VHADDPD      Y3, Y2, Y2
	VEXTRACTF128 $1, Y2, X3
	VADDPD       X3, X2, X2
	VMOVUPD      X2, 16(DI)
	VHADDPD      Y5, Y4, Y4
	VEXTRACTF128 $1, Y4, X5
	VADDPD       X5, X4, X4
	VMOVUPD      X4, 32(DI)
	VHADDPD      Y7, Y6, Y6
	VEXTRACTF128 $1, Y6, X7
	VADDPD       X7, X6, X6
	VMOVUPD      X6, 48(DI)
	VZEROUPPER
	RET

// func dots1x4AVX2(d *[4]float64, x, w0, w1, w2, w3 *float64, n4 int)
//
// The lane part of Dots1x4Go: one x row against four w rows, four accumulators reduced as
// in dots4x2AVX2.
TEXT ·dots1x4AVX2(SB), NOSPLIT, $0-56
	MOVQ d+0(FP), DI
	MOVQ x+8(FP), R8
	MOVQ w0+16(FP), R9
	MOVQ w1+24(FP), R10
	MOVQ w2+32(FP), R11
	MOVQ w3+40(FP), R12
	MOVQ n4+48(FP), CX
	SHLQ $3, CX
	XORQ AX, AX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3

loop1:
	VMOVUPD     (R8)(AX*1), Y8
	VFMADD231PD (R9)(AX*1), Y8, Y0
	VFMADD231PD (R10)(AX*1), Y8, Y1
	VFMADD231PD (R11)(AX*1), Y8, Y2
	VFMADD231PD (R12)(AX*1), Y8, Y3
	ADDQ        $32, AX
	CMPQ        AX, CX
	JLT         loop1

	VHADDPD      Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VMOVUPD      X0, 0(DI)
	VHADDPD      Y3, Y2, Y2
	VEXTRACTF128 $1, Y2, X3
	VADDPD       X3, X2, X2
	VMOVUPD      X2, 16(DI)
	VZEROUPPER
	RET

// func dots1x8AVX2(d *[8]float64, x *float64, w *[8]*float64, n4 int)
//
// dots1x4AVX2 for eight w rows (their addresses in w), eight accumulators.
TEXT ·dots1x8AVX2(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ x+8(FP), R8
	MOVQ w+16(FP), SI
	MOVQ n4+24(FP), CX
	MOVQ 0(SI), R9
	MOVQ 8(SI), R10
	MOVQ 16(SI), R11
	MOVQ 24(SI), R12
	MOVQ 32(SI), R13
	MOVQ 40(SI), R14
	MOVQ 48(SI), R15
	MOVQ 56(SI), BX
	SHLQ $3, CX
	XORQ AX, AX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7

loop8:
	VMOVUPD     (R8)(AX*1), Y8
	VFMADD231PD (R9)(AX*1), Y8, Y0
	VFMADD231PD (R10)(AX*1), Y8, Y1
	VFMADD231PD (R11)(AX*1), Y8, Y2
	VFMADD231PD (R12)(AX*1), Y8, Y3
	VFMADD231PD (R13)(AX*1), Y8, Y4
	VFMADD231PD (R14)(AX*1), Y8, Y5
	VFMADD231PD (R15)(AX*1), Y8, Y6
	VFMADD231PD (BX)(AX*1), Y8, Y7
	ADDQ        $32, AX
	CMPQ        AX, CX
	JLT         loop8

	VHADDPD      Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VMOVUPD      X0, 0(DI)
	VHADDPD      Y3, Y2, Y2
	VEXTRACTF128 $1, Y2, X3
	VADDPD       X3, X2, X2
	VMOVUPD      X2, 16(DI)
	VHADDPD      Y5, Y4, Y4
	VEXTRACTF128 $1, Y4, X5
	VADDPD       X5, X4, X4
	VMOVUPD      X4, 32(DI)
	VHADDPD      Y7, Y6, Y6
	VEXTRACTF128 $1, Y6, X7
	VADDPD       X7, X6, X6
	VMOVUPD      X6, 48(DI)
	VZEROUPPER
	RET

// func gather1AVX2(x, w *float64, src, eid *int, n int) float64
// One lane of gather4NodesAVX2: four scalar FMA chains over the edges, edge k in chain k mod 4
// (the tail in chain 0), combined as (s0+s1)+(s2+s3).
TEXT ·gather1AVX2(SB), NOSPLIT, $0-48
	MOVQ   x+0(FP), R8
	MOVQ   w+8(FP), R9
	MOVQ   src+16(FP), R10
	MOVQ   eid+24(FP), R11
	MOVQ   n+32(FP), CX
	MOVQ   CX, DX
	ANDQ   $-4, DX
	XORQ   AX, AX
	VXORPD X0, X0, X0
	VXORPD X1, X1, X1
	VXORPD X2, X2, X2
	VXORPD X3, X3, X3
	CMPQ   DX, $0
	JEQ    tail1

loop1:
	MOVQ        (R10)(AX*8), R12
	MOVQ        (R11)(AX*8), R13
	VMOVSD      (R9)(R13*8), X4
	VFMADD231SD (R8)(R12*8), X4, X0
	MOVQ        8(R10)(AX*8), R12
	MOVQ        8(R11)(AX*8), R13
	VMOVSD      (R9)(R13*8), X5
	VFMADD231SD (R8)(R12*8), X5, X1
	MOVQ        16(R10)(AX*8), R12
	MOVQ        16(R11)(AX*8), R13
	VMOVSD      (R9)(R13*8), X6
	VFMADD231SD (R8)(R12*8), X6, X2
	MOVQ        24(R10)(AX*8), R12
	MOVQ        24(R11)(AX*8), R13
	VMOVSD      (R9)(R13*8), X7
	VFMADD231SD (R8)(R12*8), X7, X3
	ADDQ        $4, AX
	CMPQ        AX, DX
	JLT         loop1

tail1:
	CMPQ        AX, CX
	JGE         done1
	MOVQ        (R10)(AX*8), R12
	MOVQ        (R11)(AX*8), R13
	VMOVSD      (R9)(R13*8), X4
	VFMADD231SD (R8)(R12*8), X4, X0
	INCQ        AX
	JMP         tail1

done1:
	VADDSD X1, X0, X0
	VADDSD X3, X2, X2
	VADDSD X2, X0, X0
	VMOVSD X0, ret+40(FP)
	RET

// func gather4NodesAVX2(d, xt, w *float64, src, eid, tab *int, count int)
// The gathered dot products of count nodes, four items side by side (Gather4Go's sums):
// node k's edges start at src+8·tab[2k], tab[2k+1] of them, and its sums go to d+32k.
// Pointers walk the edges, so no index register is needed.
TEXT ·gather4NodesAVX2(SB), NOSPLIT, $0-56
	MOVQ d+0(FP), DI
	MOVQ xt+8(FP), R8
	MOVQ w+16(FP), R9
	MOVQ src+24(FP), SI
	MOVQ eid+32(FP), BX
	MOVQ tab+40(FP), AX

gnode:
	CMPQ   count+48(FP), $0
	JEQ    gnodesdone
	MOVQ   (AX), R10
	MOVQ   8(AX), CX
	ADDQ   $16, AX
	LEAQ   (BX)(R10*8), R11
	LEAQ   (SI)(R10*8), R10
	MOVQ   CX, DX
	ANDQ   $-4, DX
	LEAQ   (R10)(DX*8), DX
	LEAQ   (R10)(CX*8), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3

gnloop4:
	CMPQ         R10, DX
	JAE          gntail
	MOVQ         (R10), R12
	MOVQ         (R11), R13
	SHLQ         $5, R12
	VBROADCASTSD (R9)(R13*8), Y4
	VFMADD231PD  (R8)(R12*1), Y4, Y0
	MOVQ         8(R10), R12
	MOVQ         8(R11), R13
	SHLQ         $5, R12
	VBROADCASTSD (R9)(R13*8), Y5
	VFMADD231PD  (R8)(R12*1), Y5, Y1
	MOVQ         16(R10), R12
	MOVQ         16(R11), R13
	SHLQ         $5, R12
	VBROADCASTSD (R9)(R13*8), Y6
	VFMADD231PD  (R8)(R12*1), Y6, Y2
	MOVQ         24(R10), R12
	MOVQ         24(R11), R13
	SHLQ         $5, R12
	VBROADCASTSD (R9)(R13*8), Y7
	VFMADD231PD  (R8)(R12*1), Y7, Y3
	ADDQ         $32, R10
	ADDQ         $32, R11
	JMP          gnloop4

gntail:
	CMPQ         R10, CX
	JAE          gnsum
	MOVQ         (R10), R12
	MOVQ         (R11), R13
	SHLQ         $5, R12
	VBROADCASTSD (R9)(R13*8), Y4
	VFMADD231PD  (R8)(R12*1), Y4, Y0
	ADDQ         $8, R10
	ADDQ         $8, R11
	JMP          gntail

gnsum:
	VADDPD  Y1, Y0, Y0
	VADDPD  Y3, Y2, Y2
	VADDPD  Y2, Y0, Y0
	VMOVUPD Y0, (DI)
	ADDQ    $32, DI
	DECQ    count+48(FP)
	JMP     gnode

gnodesdone:
	VZEROUPPER
	RET
