//go:build amd64 && !noasm

#include "textflag.h"

DATA reluconst<>+0(SB)/8, $0.5
DATA reluconst<>+8(SB)/8, $3.0
GLOBL reluconst<>(SB), RODATA|NOPTR, $16

// func reluProjectAVX2(xa, ya, ba, xs, y, b, g2 *float64, n int)
// ReLUProjectGo's arithmetic, four nodes at a time, with the same operations in the same
// order (no fused multiply-adds), so the results are bit for bit the Go twin's.
// n is a positive multiple of 4.
TEXT ·reluProjectAVX2(SB), NOSPLIT, $0-64
	MOVQ xa+0(FP), DI
	MOVQ ya+8(FP), R8
	MOVQ ba+16(FP), R9
	MOVQ xs+24(FP), SI
	MOVQ y+32(FP), R10
	MOVQ b+40(FP), R11
	MOVQ g2+48(FP), R12
	MOVQ n+56(FP), CX
	SHLQ $3, CX
	VBROADCASTSD reluconst<>+0(SB), Y13 // 0.5
	VBROADCASTSD reluconst<>+8(SB), Y14 // 3
	VXORPD Y15, Y15, Y15                // 0
	XORQ AX, AX

reluloop:
	VMOVUPD (SI)(AX*1), Y0
	VDIVPD  (R12)(AX*1), Y0, Y0      // x = xs/g2
	VMOVUPD (R10)(AX*1), Y1          // y
	VMOVUPD (R11)(AX*1), Y2          // b
	VCMPPD  $0x1e, Y2, Y1, Y3        // mid: y > b
	VADDPD  Y2, Y1, Y4
	VMULPD  Y13, Y4, Y4              // m = 0.5(y + b)
	VBLENDVPD Y3, Y4, Y1, Y5         // ay = mid ? m : y
	VBLENDVPD Y3, Y4, Y2, Y6         // ab = mid ? m : b
	VMULPD  Y0, Y0, Y7               // x²
	VSUBPD  Y1, Y5, Y8
	VMULPD  Y8, Y8, Y8
	VADDPD  Y8, Y7, Y7
	VSUBPD  Y2, Y6, Y9
	VMULPD  Y9, Y9, Y9
	VADDPD  Y9, Y7, Y7               // da
	VSUBPD  Y1, Y0, Y10
	VADDPD  Y2, Y10, Y10
	VDIVPD  Y14, Y10, Y10            // s = (x − y + b)/3
	VSUBPD  Y10, Y0, Y11             // bx = x − s
	VCMPPD  $0x1d, Y15, Y11, Y12     // bx ≥ 0
	VMULPD  Y14, Y10, Y3
	VMULPD  Y10, Y3, Y3              // 3s·s
	VCMPPD  $0x11, Y7, Y3, Y3        // 3s² < da
	VANDPD  Y3, Y12, Y12             // useB
	VANDPD  Y12, Y11, Y11            // xa = useB ? bx : 0
	VADDPD  Y10, Y1, Y1              // y + s
	VBLENDVPD Y12, Y1, Y5, Y5        // ya
	VSUBPD  Y10, Y2, Y2              // b − s
	VBLENDVPD Y12, Y2, Y6, Y6        // ba
	VMOVUPD Y11, (DI)(AX*1)
	VMOVUPD Y5, (R8)(AX*1)
	VMOVUPD Y6, (R9)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  reluloop
	VZEROUPPER
	RET
