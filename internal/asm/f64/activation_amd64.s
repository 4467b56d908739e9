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

DATA stepconst<>+0(SB)/8, $0.5
DATA stepconst<>+8(SB)/8, $1.0
DATA stepconst<>+16(SB)/8, $0x7ff0000000000000 // +Inf
DATA stepconst<>+24(SB)/8, $0xfff0000000000000 // −Inf
DATA stepconst<>+32(SB)/8, $0x8000000000000000 // sign bit
GLOBL stepconst<>(SB), RODATA|NOPTR, $40

// func stepProjectAVX2(xa, ya, ba, xs, y, b, g2 *float64, n int, delta float64)
// StepProjectGo's arithmetic, four nodes at a time, bit for bit: piece 0's violation
// Δ − (−1)(y − b) is Δ + z, its shift −½v moves y by −t and b by +t (t = ½v), and
// (2h)h = (2t)t; "v ≤ 0: no move" is the mask !(v ≤ 0), which a NaN also sets, as in Go.
// n is a positive multiple of 4.
TEXT ·stepProjectAVX2(SB), NOSPLIT, $0-72
	MOVQ xa+0(FP), DI
	MOVQ ya+8(FP), R8
	MOVQ ba+16(FP), R9
	MOVQ xs+24(FP), SI
	MOVQ y+32(FP), R10
	MOVQ b+40(FP), R11
	MOVQ g2+48(FP), R12
	MOVQ n+56(FP), CX
	SHLQ $3, CX
	VBROADCASTSD delta+64(FP), Y15
	VBROADCASTSD stepconst<>+0(SB), Y14 // ½
	VBROADCASTSD stepconst<>+8(SB), Y13 // 1
	VXORPD Y12, Y12, Y12                // 0
	XORQ AX, AX

steploop:
	VMOVUPD (SI)(AX*1), Y0
	VDIVPD  (R12)(AX*1), Y0, Y0      // x = xs/g2
	VMOVUPD (R10)(AX*1), Y1          // y
	VMOVUPD (R11)(AX*1), Y2          // b
	VSUBPD  Y2, Y1, Y3               // z = y − b
	VMULPD  Y0, Y0, Y4               // x²
	// piece 0: x = 0, z ≤ −Δ
	VADDPD  Y3, Y15, Y5              // v0 = Δ + z
	VCMPPD  $0x06, Y12, Y5, Y6       // m0 = !(v0 ≤ 0)
	VMULPD  Y14, Y5, Y5              // t = ½v0 (h0 = −t)
	VADDPD  Y5, Y5, Y7
	VMULPD  Y5, Y7, Y7
	VADDPD  Y7, Y4, Y7
	VBLENDVPD Y6, Y7, Y4, Y7         // d0
	VSUBPD  Y5, Y1, Y8
	VBLENDVPD Y6, Y8, Y1, Y8         // y0
	VADDPD  Y5, Y2, Y9
	VBLENDVPD Y6, Y9, Y2, Y9         // b0
	// piece 1: x = 1, z ≥ Δ
	VSUBPD  Y13, Y0, Y10
	VMULPD  Y10, Y10, Y10            // (x − 1)²
	VSUBPD  Y3, Y15, Y11             // v1 = Δ − z
	VCMPPD  $0x06, Y12, Y11, Y6      // m1 = !(v1 ≤ 0)
	VMULPD  Y14, Y11, Y11            // h1 = ½v1
	VADDPD  Y11, Y11, Y3
	VMULPD  Y11, Y3, Y3
	VADDPD  Y3, Y10, Y3
	VBLENDVPD Y6, Y3, Y10, Y3        // d1
	VADDPD  Y11, Y1, Y10
	VBLENDVPD Y6, Y10, Y1, Y10       // y1
	VSUBPD  Y11, Y2, Y4
	VBLENDVPD Y6, Y4, Y2, Y4         // b1
	// the nearer piece; ties to x = 0
	VCMPPD  $0x11, Y7, Y3, Y5        // d1 < d0
	VANDPD  Y13, Y5, Y0              // x = 1 or 0
	VBLENDVPD Y5, Y10, Y8, Y8
	VBLENDVPD Y5, Y4, Y9, Y9
	VMOVUPD Y0, (DI)(AX*1)
	VMOVUPD Y8, (R8)(AX*1)
	VMOVUPD Y9, (R9)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  steploop
	VZEROUPPER
	RET

// func stepFixedAVX2(ya, ba, v, y, b *float64, n int, delta float64)
// StepFixedGo's arithmetic, four nodes at a time, bit for bit. n is a positive multiple of 4.
TEXT ·stepFixedAVX2(SB), NOSPLIT, $0-56
	MOVQ ya+0(FP), DI
	MOVQ ba+8(FP), R8
	MOVQ v+16(FP), SI
	MOVQ y+24(FP), R10
	MOVQ b+32(FP), R11
	MOVQ n+40(FP), CX
	SHLQ $3, CX
	VBROADCASTSD delta+48(FP), Y15
	VBROADCASTSD stepconst<>+0(SB), Y14  // ½
	VBROADCASTSD stepconst<>+8(SB), Y13  // 1
	VXORPD Y12, Y12, Y12                 // 0
	VBROADCASTSD stepconst<>+32(SB), Y11
	VXORPD  Y15, Y11, Y11                // −Δ
	VBROADCASTSD stepconst<>+16(SB), Y10 // +Inf
	VBROADCASTSD stepconst<>+24(SB), Y9  // −Inf
	XORQ AX, AX

fixedloop:
	VMOVUPD (SI)(AX*1), Y0           // x
	VMOVUPD (R10)(AX*1), Y1          // y
	VMOVUPD (R11)(AX*1), Y2          // b
	VSUBPD  Y2, Y1, Y3               // z = y − b
	VCMPPD  $0x02, Y12, Y0, Y4       // x ≤ 0
	VCMPPD  $0x1d, Y13, Y0, Y5       // x ≥ 1
	VADDPD  Y0, Y0, Y6
	VSUBPD  Y13, Y6, Y6
	VMULPD  Y6, Y15, Y6              // Δ(2x − 1)
	VBLENDVPD Y5, Y15, Y6, Y7
	VBLENDVPD Y4, Y9, Y7, Y7         // lo
	VBLENDVPD Y5, Y10, Y6, Y8
	VBLENDVPD Y4, Y11, Y8, Y8        // hi
	VCMPPD  $0x11, Y7, Y3, Y4        // z < lo
	VCMPPD  $0x1e, Y8, Y3, Y5        // z > hi
	VSUBPD  Y3, Y7, Y7
	VMULPD  Y14, Y7, Y7              // ½(lo − z)
	VSUBPD  Y3, Y8, Y8
	VMULPD  Y14, Y8, Y8              // ½(hi − z)
	VBLENDVPD Y4, Y7, Y8, Y6         // h
	VORPD   Y5, Y4, Y4               // moves
	VADDPD  Y6, Y1, Y7
	VBLENDVPD Y4, Y7, Y1, Y7
	VSUBPD  Y6, Y2, Y8
	VBLENDVPD Y4, Y8, Y2, Y8
	VMOVUPD Y7, (DI)(AX*1)
	VMOVUPD Y8, (R8)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  fixedloop
	VZEROUPPER
	RET
