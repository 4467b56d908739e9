//go:build amd64 && !noasm

#include "textflag.h"

// Rows of any length c ≥ 1 are processed four values at a time; a last block of c mod 4
// values is loaded and stored through a lane mask (masked-off lanes read as zero, which adds
// nothing to the sums). Independent terms go to separate accumulators so that consecutive
// fused multiply-adds do not wait on each other's latency. rows and c are positive.

DATA tailmask<>+0(SB)/8, $0
DATA tailmask<>+8(SB)/8, $0
DATA tailmask<>+16(SB)/8, $0
DATA tailmask<>+24(SB)/8, $0
DATA tailmask<>+32(SB)/8, $-1
DATA tailmask<>+40(SB)/8, $0
DATA tailmask<>+48(SB)/8, $0
DATA tailmask<>+56(SB)/8, $0
DATA tailmask<>+64(SB)/8, $-1
DATA tailmask<>+72(SB)/8, $-1
DATA tailmask<>+80(SB)/8, $0
DATA tailmask<>+88(SB)/8, $0
DATA tailmask<>+96(SB)/8, $-1
DATA tailmask<>+104(SB)/8, $-1
DATA tailmask<>+112(SB)/8, $-1
DATA tailmask<>+120(SB)/8, $0
GLOBL tailmask<>(SB), RODATA|NOPTR, $128

// func reflectDotsRowsAVX2(p, q, x, w, xa, wa *float64, rows, c int)
TEXT ·reflectDotsRowsAVX2(SB), NOSPLIT, $0-64
	MOVQ p+0(FP), BX
	MOVQ q+8(FP), R10
	MOVQ x+16(FP), SI
	MOVQ w+24(FP), DI
	MOVQ xa+32(FP), R8
	MOVQ wa+40(FP), R9
	MOVQ rows+48(FP), DX
	MOVQ c+56(FP), CX
	MOVQ CX, R12
	ANDQ $3, R12                     // values in the masked last block
	MOVQ R12, R13
	SHLQ $5, R13
	LEAQ tailmask<>(SB), R14
	VMOVUPD (R14)(R13*1), Y15        // its lane mask
	SHLQ $3, CX                      // row length in bytes
	MOVQ CX, R11
	ANDQ $-32, R11                   // bytes in full blocks

rdrow:
	VXORPD Y0, Y0, Y0                // p
	VXORPD Y1, Y1, Y1                // |rx|²
	VXORPD Y10, Y10, Y10             // |rw|²
	XORQ AX, AX

rdloop:
	CMPQ AX, R11
	JGE  rdtail
	VMOVUPD (R8)(AX*1), Y2
	VADDPD  Y2, Y2, Y2
	VSUBPD  (SI)(AX*1), Y2, Y2       // rx = 2xa - x
	VMOVUPD (R9)(AX*1), Y3
	VADDPD  Y3, Y3, Y3
	VSUBPD  (DI)(AX*1), Y3, Y3       // rw = 2wa - w
	VFMADD231PD Y2, Y3, Y0
	VFMADD231PD Y2, Y2, Y1
	VFMADD231PD Y3, Y3, Y10
	ADDQ $32, AX
	JMP  rdloop

rdtail:
	TESTQ R12, R12
	JZ    rdsum
	VMASKMOVPD (R8)(AX*1), Y15, Y2
	VADDPD  Y2, Y2, Y2
	VMASKMOVPD (SI)(AX*1), Y15, Y4
	VSUBPD  Y4, Y2, Y2
	VMASKMOVPD (R9)(AX*1), Y15, Y3
	VADDPD  Y3, Y3, Y3
	VMASKMOVPD (DI)(AX*1), Y15, Y5
	VSUBPD  Y5, Y3, Y3
	VFMADD231PD Y2, Y3, Y0
	VFMADD231PD Y2, Y2, Y1
	VFMADD231PD Y3, Y3, Y10

rdsum:
	VADDPD  Y10, Y1, Y1
	VEXTRACTF128 $1, Y0, X4
	VADDPD  X4, X0, X0
	VEXTRACTF128 $1, Y1, X5
	VADDPD  X5, X1, X1
	VHADDPD X1, X0, X0               // X0 = (p, q)
	VMOVLPD X0, (BX)
	VMOVHPD X0, (R10)
	ADDQ $8, BX
	ADDQ $8, R10
	ADDQ CX, SI
	ADDQ CX, DI
	ADDQ CX, R9
	DECQ DX
	JNZ  rdrow
	VZEROUPPER
	RET

// One block of the fused update. Y4 = xa, Y5 = wa, Y6 = x, Y7 = w loaded; Y13 = u,
// Y14 = s, Y15 = β broadcast. Leaves the new x in Y6 and w in Y7, Δx², Δw² added to Y0, Y1.
#define UPDATE_BLOCK \
	VADDPD  Y4, Y4, Y2 \
	VSUBPD  Y6, Y2, Y2 \
	VADDPD  Y5, Y5, Y3 \
	VSUBPD  Y7, Y3, Y3 \
	VMOVAPD Y2, Y8 \
	VFMADD231PD Y13, Y3, Y8 \
	VMOVAPD Y3, Y9 \
	VFMADD231PD Y13, Y2, Y9 \
	VFMSUB132PD Y14, Y4, Y8 \
	VFMSUB132PD Y14, Y5, Y9 \
	VFMADD231PD Y8, Y8, Y0 \
	VFMADD231PD Y9, Y9, Y1 \
	VFMADD231PD Y15, Y8, Y6 \
	VFMADD231PD Y15, Y9, Y7

// func bilinearUpdateRowsAVX2(x, w, xa, wa, xs, ws, u, s *float64, rows, c int, beta float64) (errSq float64)
TEXT ·bilinearUpdateRowsAVX2(SB), NOSPLIT, $0-96
	MOVQ x+0(FP), SI
	MOVQ w+8(FP), DI
	MOVQ xa+16(FP), R8
	MOVQ wa+24(FP), R9
	MOVQ xs+32(FP), R10
	MOVQ ws+40(FP), R11
	MOVQ u+48(FP), R12
	MOVQ s+56(FP), R13
	MOVQ rows+64(FP), DX
	MOVQ c+72(FP), CX
	MOVQ CX, BX
	ANDQ $3, BX                      // values in the masked last block
	MOVQ BX, R14
	SHLQ $5, R14
	LEAQ tailmask<>(SB), R15
	VMOVUPD (R15)(R14*1), Y12        // its lane mask
	SHLQ $3, CX                      // row length in bytes
	MOVQ CX, R14
	ANDQ $-32, R14                   // bytes in full blocks
	VBROADCASTSD beta+80(FP), Y15
	VXORPD Y0, Y0, Y0                // Σ Δx²
	VXORPD Y1, Y1, Y1                // Σ Δw²

burow:
	VBROADCASTSD (R12), Y13          // u
	VBROADCASTSD (R13), Y14          // s = 1/(1 - u²)
	XORQ AX, AX

buloop:
	CMPQ AX, R14
	JGE  butail
	VMOVUPD (R8)(AX*1), Y4
	VMOVUPD (R9)(AX*1), Y5
	VMOVUPD (SI)(AX*1), Y6
	VMOVUPD (DI)(AX*1), Y7
	UPDATE_BLOCK
	VMOVUPD Y6, (SI)(AX*1)
	VMOVUPD Y7, (DI)(AX*1)
	VADDPD  (R10)(AX*1), Y6, Y6
	VMOVUPD Y6, (R10)(AX*1)          // xs += x
	VADDPD  (R11)(AX*1), Y7, Y7
	VMOVUPD Y7, (R11)(AX*1)          // ws += w
	ADDQ $32, AX
	JMP  buloop

butail:
	TESTQ BX, BX
	JZ    bunext
	VMASKMOVPD (R8)(AX*1), Y12, Y4
	VMASKMOVPD (R9)(AX*1), Y12, Y5
	VMASKMOVPD (SI)(AX*1), Y12, Y6
	VMASKMOVPD (DI)(AX*1), Y12, Y7
	UPDATE_BLOCK
	VMASKMOVPD Y6, Y12, (SI)(AX*1)
	VMASKMOVPD Y7, Y12, (DI)(AX*1)
	VMASKMOVPD (R10)(AX*1), Y12, Y10
	VADDPD  Y10, Y6, Y6
	VMASKMOVPD Y6, Y12, (R10)(AX*1)
	VMASKMOVPD (R11)(AX*1), Y12, Y11
	VADDPD  Y11, Y7, Y7
	VMASKMOVPD Y7, Y12, (R11)(AX*1)

bunext:
	ADDQ CX, SI
	ADDQ CX, DI
	ADDQ CX, R9
	ADDQ CX, R11
	ADDQ $8, R12
	ADDQ $8, R13
	DECQ DX
	JNZ  burow

	VADDPD  Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD  X1, X0, X0
	VHADDPD X0, X0, X0
	VZEROUPPER
	MOVSD X0, errSq+88(FP)
	RET

DATA rconst<>+0(SB)/8, $1.0
DATA rconst<>+8(SB)/8, $1.0
DATA rconst<>+16(SB)/8, $1.0
DATA rconst<>+24(SB)/8, $1.0
DATA rconst<>+32(SB)/8, $3.0
DATA rconst<>+40(SB)/8, $3.0
DATA rconst<>+48(SB)/8, $3.0
DATA rconst<>+56(SB)/8, $3.0
DATA rconst<>+64(SB)/8, $1e-12
DATA rconst<>+72(SB)/8, $1e-12
DATA rconst<>+80(SB)/8, $1e-12
DATA rconst<>+88(SB)/8, $1e-12
DATA rconst<>+96(SB)/8, $0x7fffffffffffffff
DATA rconst<>+104(SB)/8, $0x7fffffffffffffff
DATA rconst<>+112(SB)/8, $0x7fffffffffffffff
DATA rconst<>+120(SB)/8, $0x7fffffffffffffff
DATA rconst<>+128(SB)/8, $0x7ff8000000000001
DATA rconst<>+136(SB)/8, $0x7ff8000000000001
DATA rconst<>+144(SB)/8, $0x7ff8000000000001
DATA rconst<>+152(SB)/8, $0x7ff8000000000001
GLOBL rconst<>(SB), RODATA|NOPTR, $160

#define ONE rconst<>+0(SB)
#define THREE rconst<>+32(SB)
#define TOL rconst<>+64(SB)
#define ABSMASK rconst<>+96(SB)
#define QNAN rconst<>+128(SB)

// One Newton step on four roots: v in Y0, p Y1, q Y2, r Y3, c Y4; the step is left in
// Y12. With d = 1 − v²: N = (p(1+v²) + q v)·d + (c v − r)·d³ and
// D = q(1 + 3v²) + 2 p v(3 + v²) + c d³, then v −= N/D.
#define NEWTON_STEP \
	VMULPD  Y0, Y0, Y5 \
	VMOVUPD ONE, Y6 \
	VSUBPD  Y5, Y6, Y6 \
	VMULPD  Y6, Y6, Y7 \
	VMULPD  Y6, Y7, Y7 \
	VADDPD  ONE, Y5, Y8 \
	VMULPD  Y1, Y8, Y8 \
	VFMADD231PD Y2, Y0, Y8 \
	VMULPD  Y6, Y8, Y8 \
	VMULPD  Y4, Y0, Y9 \
	VSUBPD  Y3, Y9, Y9 \
	VFMADD231PD Y9, Y7, Y8 \
	VMULPD  THREE, Y5, Y10 \
	VADDPD  ONE, Y10, Y10 \
	VMULPD  Y2, Y10, Y10 \
	VADDPD  THREE, Y5, Y11 \
	VMULPD  Y0, Y11, Y11 \
	VMULPD  Y1, Y11, Y11 \
	VADDPD  Y11, Y11, Y11 \
	VADDPD  Y11, Y10, Y10 \
	VFMADD231PD Y4, Y7, Y10 \
	VDIVPD  Y10, Y8, Y12 \
	VSUBPD  Y12, Y0, Y0

// func newtonRootsAVX2(u, s, p, q, r *float64, n int, c float64)
// n is a positive multiple of 4.
TEXT ·newtonRootsAVX2(SB), NOSPLIT, $0-56
	MOVQ u+0(FP), SI
	MOVQ s+8(FP), DI
	MOVQ p+16(FP), R8
	MOVQ q+24(FP), R9
	MOVQ r+32(FP), R10
	MOVQ n+40(FP), CX
	VBROADCASTSD c+48(FP), Y4
	SHLQ $3, CX
	XORQ AX, AX

nrloop:
	VMOVUPD (SI)(AX*1), Y0
	VMOVUPD (R8)(AX*1), Y1
	VMOVUPD (R9)(AX*1), Y2
	VMOVUPD (R10)(AX*1), Y3
	NEWTON_STEP
	NEWTON_STEP
	NEWTON_STEP
	VMOVUPD Y0, (SI)(AX*1)
	VANDPD  ABSMASK, Y12, Y12
	VCMPPD  $1, TOL, Y12, Y13        // |step| < 1e-12
	VANDPD  ABSMASK, Y0, Y14
	VCMPPD  $1, ONE, Y14, Y14        // |v| < 1
	VANDPD  Y14, Y13, Y13
	VMULPD  Y0, Y0, Y5
	VMOVUPD ONE, Y6
	VSUBPD  Y5, Y6, Y5
	VDIVPD  Y5, Y6, Y6               // 1/(1 − v²)
	VMOVUPD QNAN, Y7
	VBLENDVPD Y13, Y6, Y7, Y6        // converged ? s : NaN
	VMOVUPD Y6, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  nrloop
	VZEROUPPER
	RET
