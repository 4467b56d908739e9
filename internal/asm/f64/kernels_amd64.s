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

DATA twos<>+0(SB)/8, $2.0
DATA twos<>+8(SB)/8, $2.0
DATA twos<>+16(SB)/8, $2.0
DATA twos<>+24(SB)/8, $2.0
GLOBL twos<>(SB), RODATA|NOPTR, $32

// func reflectDotsRowsAVX2(a, b, x, w, xa, wa *float64, rows, c int)
TEXT ·reflectDotsRowsAVX2(SB), NOSPLIT, $0-64
	MOVQ a+0(FP), BX
	MOVQ b+8(FP), R10
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
	VMOVUPD twos<>(SB), Y14

rdrow:
	VXORPD Y0, Y0, Y0                // A = |rx + rw|²
	VXORPD Y1, Y1, Y1                // B = |rx - rw|²
	XORQ AX, AX

rdloop:
	CMPQ AX, R11
	JGE  rdtail
	VMOVUPD (R8)(AX*1), Y2
	VFMSUB213PD (SI)(AX*1), Y14, Y2  // rx = 2xa - x (2xa is exact: one rounding either way)
	VMOVUPD (R9)(AX*1), Y3
	VFMSUB213PD (DI)(AX*1), Y14, Y3  // rw = 2wa - w
	VADDPD  Y3, Y2, Y6               // S = rx + rw
	VSUBPD  Y3, Y2, Y7               // D = rx - rw
	VFMADD231PD Y6, Y6, Y0
	VFMADD231PD Y7, Y7, Y1
	ADDQ $32, AX
	JMP  rdloop

rdtail:
	TESTQ R12, R12
	JZ    rdsum
	VMASKMOVPD (R8)(AX*1), Y15, Y2
	VMASKMOVPD (SI)(AX*1), Y15, Y4
	VFMSUB213PD Y4, Y14, Y2
	VMASKMOVPD (R9)(AX*1), Y15, Y3
	VMASKMOVPD (DI)(AX*1), Y15, Y5
	VFMSUB213PD Y5, Y14, Y3
	VADDPD  Y3, Y2, Y6
	VSUBPD  Y3, Y2, Y7
	VFMADD231PD Y6, Y6, Y0
	VFMADD231PD Y7, Y7, Y1

rdsum:
	VEXTRACTF128 $1, Y0, X4
	VADDPD  X4, X0, X0
	VEXTRACTF128 $1, Y1, X5
	VADDPD  X5, X1, X1
	VHADDPD X1, X0, X0               // X0 = (A, B)
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

// One block of the fused update. Y4 = xa, Y5 = wa, Y6 = x, Y7 = w loaded; Y13 = fs,
// Y14 = fd, Y15 = β. Leaves the new x in Y6 and w in Y7, Δx², Δw² added to Y0, Y1:
// S = rx + rw, D = rx − rw, Δx = S·fs + (D·fd − xa), Δw = S·fs − (D·fd + wa).
#define UPDATE_BLOCK \
	VMOVAPD Y6, Y2 \
	VFMSUB231PD twos<>(SB), Y4, Y2 \
	VMOVAPD Y7, Y3 \
	VFMSUB231PD twos<>(SB), Y5, Y3 \
	VADDPD  Y3, Y2, Y8 \
	VSUBPD  Y3, Y2, Y10 \
	VMOVAPD Y10, Y11 \
	VFMSUB132PD Y14, Y4, Y10 \
	VFMADD132PD Y14, Y5, Y11 \
	VFMADD231PD Y13, Y8, Y10 \
	VFMSUB231PD Y13, Y8, Y11 \
	VFMADD231PD Y10, Y10, Y0 \
	VFMADD231PD Y11, Y11, Y1 \
	VFMADD231PD Y15, Y10, Y6 \
	VFMADD231PD Y15, Y11, Y7

// func bilinearUpdateRowsAVX2(x, w, xa, wa, xs, ws, fs, fd *float64, rows, c int, beta float64) (errSq float64)
TEXT ·bilinearUpdateRowsAVX2(SB), NOSPLIT, $0-96
	MOVQ x+0(FP), SI
	MOVQ w+8(FP), DI
	MOVQ xa+16(FP), R8
	MOVQ wa+24(FP), R9
	MOVQ xs+32(FP), R10
	MOVQ ws+40(FP), R11
	MOVQ fs+48(FP), R12
	MOVQ fd+56(FP), R13
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
	VBROADCASTSD (R12), Y13          // fs = 1/(2(1 - u))
	VBROADCASTSD (R13), Y14          // fd = 1/(2(1 + u))
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

// func reflectDotsTiledAVX2(a, b, x, w, xa, wa *float64, rows, c, xaStrideBytes, waStrideBytes int)
// Four items side by side: one vector per edge, the consensus weight broadcast. rows, c ≥ 1.
// Two edges per step into separate accumulators, so that the sums do not wait on each other.
// A row's xa and wa start the given number of bytes after the previous row's.
TEXT ·reflectDotsTiledAVX2(SB), NOSPLIT, $0-80
	MOVQ a+0(FP), BX
	MOVQ b+8(FP), R10
	MOVQ x+16(FP), SI
	MOVQ w+24(FP), DI
	MOVQ xa+32(FP), R8
	MOVQ wa+40(FP), R9
	MOVQ rows+48(FP), DX
	MOVQ c+56(FP), CX
	MOVQ CX, R12
	SHRQ $1, R12                     // edge pairs per row
	ANDQ $1, CX                      // a last single edge?
	MOVQ R9, R14                     // wa of the row
	VMOVUPD twos<>(SB), Y14

rtrow:
	MOVQ R14, R9
	VXORPD Y0, Y0, Y0                // A, even edges
	VXORPD Y1, Y1, Y1                // B, even edges
	VXORPD Y8, Y8, Y8                // A, odd edges
	VXORPD Y9, Y9, Y9                // B, odd edges
	MOVQ R8, R11                     // xa of the row's first edge
	MOVQ R12, R13
	TESTQ R13, R13
	JZ   rtone

rtpair:
	VMOVUPD (R11), Y2
	VFMSUB213PD (SI), Y14, Y2        // rx = 2xa - x
	VBROADCASTSD (R9), Y3
	VFMSUB213PD (DI), Y14, Y3        // rw = 2wa - w
	VADDPD  Y3, Y2, Y4
	VSUBPD  Y3, Y2, Y5
	VFMADD231PD Y4, Y4, Y0
	VFMADD231PD Y5, Y5, Y1
	VMOVUPD 32(R11), Y2
	VFMSUB213PD 32(SI), Y14, Y2
	VBROADCASTSD 8(R9), Y3
	VFMSUB213PD 32(DI), Y14, Y3
	VADDPD  Y3, Y2, Y6
	VSUBPD  Y3, Y2, Y7
	VFMADD231PD Y6, Y6, Y8
	VFMADD231PD Y7, Y7, Y9
	ADDQ $64, R11
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $16, R9
	DECQ R13
	JNZ  rtpair

rtone:
	TESTQ CX, CX
	JZ    rtstore
	VMOVUPD (R11), Y2
	VFMSUB213PD (SI), Y14, Y2
	VBROADCASTSD (R9), Y3
	VFMSUB213PD (DI), Y14, Y3
	VADDPD  Y3, Y2, Y4
	VSUBPD  Y3, Y2, Y5
	VFMADD231PD Y4, Y4, Y0
	VFMADD231PD Y5, Y5, Y1
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $8, R9

rtstore:
	VADDPD  Y8, Y0, Y0
	VADDPD  Y9, Y1, Y1
	VMOVUPD Y0, (BX)
	VMOVUPD Y1, (R10)
	ADDQ $32, BX
	ADDQ $32, R10
	ADDQ xaStrideBytes+64(FP), R8
	ADDQ waStrideBytes+72(FP), R14
	DECQ DX
	JNZ  rtrow
	VZEROUPPER
	RET

// func bilinearUpdateTiledAVX2(x, w, xa, wa, xs, ws, fs, fd *float64, rows, c int, beta, errSq *float64, xaStrideBytes, waStrideBytes int)
// rows, c ≥ 1. errSq gets Σ Δx² + Δw² per lane added. A row's xa and xs start xaStrideBytes
// after the previous row's, its wa waStrideBytes after (its ws four times that).
TEXT ·bilinearUpdateTiledAVX2(SB), NOSPLIT, $0-112
	MOVQ x+0(FP), SI
	MOVQ w+8(FP), DI
	MOVQ xa+16(FP), R8
	MOVQ wa+24(FP), R9
	MOVQ xs+32(FP), R10
	MOVQ ws+40(FP), R11
	MOVQ fs+48(FP), R12
	MOVQ fd+56(FP), R13
	MOVQ rows+64(FP), DX
	MOVQ c+72(FP), CX
	SHLQ $5, CX                      // bytes of a row's xa (c vectors)
	MOVQ beta+80(FP), AX
	VMOVUPD (AX), Y15                // β per lane
	VXORPD Y0, Y0, Y0                // Σ Δx²
	VXORPD Y1, Y1, Y1                // Σ Δw²
	MOVQ R9, R14                     // wa of the row
	MOVQ R11, R15                    // ws of the row

utrow:
	MOVQ R14, R9
	MOVQ R15, R11
	VMOVUPD (R12), Y13               // fs of the row's four items
	VMOVUPD (R13), Y14               // fd
	XORQ AX, AX

utloop:
	VMOVUPD (R8)(AX*1), Y4
	VBROADCASTSD (R9), Y5
	VMOVUPD (SI), Y6
	VMOVUPD (DI), Y7
	UPDATE_BLOCK
	VMOVUPD Y6, (SI)
	VMOVUPD Y7, (DI)
	VADDPD  (R10)(AX*1), Y6, Y6
	VMOVUPD Y6, (R10)(AX*1)          // xs += x
	VADDPD  (R11), Y7, Y7
	VMOVUPD Y7, (R11)                // ws += w
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R11
	ADDQ $8, R9
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  utloop

	ADDQ $32, R12
	ADDQ $32, R13
	MOVQ xaStrideBytes+96(FP), BX
	ADDQ BX, R8
	ADDQ BX, R10
	MOVQ waStrideBytes+104(FP), BX
	ADDQ BX, R14
	SHLQ $2, BX
	ADDQ BX, R15
	DECQ DX
	JNZ  utrow

	VADDPD  Y1, Y0, Y0
	MOVQ errSq+88(FP), AX
	VADDPD  (AX), Y0, Y0
	VMOVUPD Y0, (AX)
	VZEROUPPER
	RET

DATA rconst<>+0(SB)/8, $1.0
DATA rconst<>+8(SB)/8, $2.0
DATA rconst<>+16(SB)/8, $4.0
DATA rconst<>+24(SB)/8, $0.25
DATA rconst<>+32(SB)/8, $0.5
DATA rconst<>+40(SB)/8, $1e-7
DATA rconst<>+48(SB)/8, $0x8000000000000000
DATA rconst<>+56(SB)/8, $0x7fffffffffffffff
DATA rconst<>+64(SB)/8, $0x7ff8000000000001
GLOBL rconst<>(SB), RODATA|NOPTR, $72

#define ONE rconst<>+0(SB)
#define TWO rconst<>+8(SB)
#define FOUR rconst<>+16(SB)
#define QUARTER rconst<>+24(SB)
#define HALF rconst<>+32(SB)
#define TOL rconst<>+40(SB)
#define SIGN rconst<>+48(SB)
#define ABSMASK rconst<>+56(SB)
#define QNAN rconst<>+64(SB)

// One Newton step on four roots in the distance s (Y0) to the pole on the root's side, with
// A in Y1, B in Y2, r in Y3 (mirrored so that the root is positive), c in Y4, 1 in Y5,
// 2 in Y6, 4 in Y15. With sp = 2 − s: N = sp·s·(A·sp² − B·s²) + 4(c(1 − s) − r)(sp·s)³,
// D = 2(A·sp³ + B·s³) + 4c(sp·s)³, s += N/D. Leaves the step in Y12.
#define NEWTON_STEP \
	VSUBPD  Y0, Y6, Y7 \
	VMULPD  Y0, Y7, Y8 \
	VMULPD  Y8, Y8, Y9 \
	VMULPD  Y8, Y9, Y9 \
	VMULPD  Y7, Y7, Y10 \
	VMULPD  Y1, Y10, Y10 \
	VMULPD  Y0, Y0, Y11 \
	VMULPD  Y2, Y11, Y12 \
	VSUBPD  Y12, Y10, Y12 \
	VMULPD  Y8, Y12, Y12 \
	VSUBPD  Y0, Y5, Y13 \
	VMULPD  Y4, Y13, Y13 \
	VSUBPD  Y3, Y13, Y13 \
	VMULPD  Y15, Y13, Y13 \
	VFMADD231PD Y9, Y13, Y12 \
	VMULPD  Y7, Y10, Y10 \
	VMULPD  Y0, Y11, Y11 \
	VFMADD231PD Y2, Y11, Y10 \
	VADDPD  Y10, Y10, Y10 \
	VMULPD  Y15, Y9, Y9 \
	VFMADD231PD Y4, Y9, Y10 \
	VDIVPD  Y10, Y12, Y12 \
	VADDPD  Y12, Y0, Y0

// Loads root group AX: Y1 = A, Y2 = B, Y3 = r, mirrored where the flip mask Y14 is set.
#define LOAD_MIRRORED \
	VMOVUPD (R8)(AX*1), Y7 \
	VMOVUPD (R9)(AX*1), Y8 \
	VBLENDVPD Y14, Y8, Y7, Y1 \
	VBLENDVPD Y14, Y7, Y8, Y2 \
	VBROADCASTSD SIGN, Y9 \
	VANDPD  Y14, Y9, Y9 \
	VXORPD  (R10)(AX*1), Y9, Y3

// func newtonRootsAVX2(u, fs, fd, a, b, r *float64, n int, c float64) (unsettled int)
// n is a positive multiple of 4. unsettled is nonzero when some root did not converge. The steps go breadth-first: each sweep takes one step of
// every root, so the roots of different groups overlap in the pipeline instead of each
// group waiting on its own chain of steps. Between sweeps fs holds s and fd the flip mask.
TEXT ·newtonRootsAVX2(SB), NOSPLIT, $0-72
	MOVQ u+0(FP), SI
	MOVQ fs+8(FP), DI
	MOVQ fd+16(FP), BX
	MOVQ a+24(FP), R8
	MOVQ b+32(FP), R9
	MOVQ r+40(FP), R10
	MOVQ n+48(FP), CX
	VBROADCASTSD c+56(FP), Y4
	VBROADCASTSD ONE, Y5
	VBROADCASTSD TWO, Y6
	VBROADCASTSD FOUR, Y15
	SHLQ $3, CX

	// The start: flip where h(0) = (A − B)/4 − r > 0 (the root is negative: solve the
	// mirror image (B, A, −r) at −u); s = 1 − v for the mirrored start v if 0 < v < 1, else 1.
	XORQ AX, AX
nrinit:
	VMOVUPD (R8)(AX*1), Y1
	VSUBPD  (R9)(AX*1), Y1, Y7
	VBROADCASTSD QUARTER, Y8
	VMULPD  Y8, Y7, Y7
	VSUBPD  (R10)(AX*1), Y7, Y7
	VXORPD  Y8, Y8, Y8
	VCMPPD  $0x1e, Y8, Y7, Y14       // flip mask: h(0) > 0
	VBROADCASTSD SIGN, Y9
	VANDPD  Y14, Y9, Y9
	VXORPD  (SI)(AX*1), Y9, Y0       // v = ±u
	VCMPPD  $0x1e, Y8, Y0, Y10       // v > 0
	VCMPPD  $0x11, Y5, Y0, Y11       // v < 1
	VANDPD  Y11, Y10, Y10
	VSUBPD  Y0, Y5, Y7
	VBLENDVPD Y10, Y7, Y5, Y0
	VMOVUPD Y0, (DI)(AX*1)
	VMOVUPD Y14, (BX)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  nrinit

	MOVQ $2, DX                      // NewtonSteps − 1 sweeps, then the last with the outputs
nrsweep:
	XORQ AX, AX
nrmid:
	VMOVUPD (BX)(AX*1), Y14
	LOAD_MIRRORED
	VMOVUPD (DI)(AX*1), Y0
	NEWTON_STEP
	VMOVUPD Y0, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  nrmid
	DECQ DX
	JNZ  nrsweep

	XORQ AX, AX
	XORQ R14, R14                    // OR of the unsettled lanes' bits
nrlast:
	VMOVUPD (BX)(AX*1), Y14
	LOAD_MIRRORED
	VMOVUPD (DI)(AX*1), Y0
	NEWTON_STEP
	// converged: |step| < tol·s, 0 < s < 2.
	VBROADCASTSD ABSMASK, Y7
	VANDPD  Y7, Y12, Y12
	VBROADCASTSD TOL, Y7
	VMULPD  Y0, Y7, Y7
	VCMPPD  $0x11, Y7, Y12, Y12      // |step| < tol·s
	VXORPD  Y9, Y9, Y9
	VCMPPD  $0x1e, Y9, Y0, Y10       // s > 0
	VANDPD  Y10, Y12, Y12
	VCMPPD  $0x11, Y6, Y0, Y10       // s < 2
	VANDPD  Y10, Y12, Y12
	VMOVMSKPD Y12, R11
	XORQ $15, R11                    // lanes not converged
	ORQ  R11, R14
	// sm = s, sp = 2 − s, u = 1 − s; swapped and u negated where flipped.
	VSUBPD  Y0, Y6, Y7               // 2 − s
	VBLENDVPD Y14, Y7, Y0, Y10       // sm
	VBLENDVPD Y14, Y0, Y7, Y11       // sp
	VSUBPD  Y0, Y5, Y0               // 1 − s
	VBROADCASTSD SIGN, Y8
	VANDPD  Y14, Y8, Y8
	VXORPD  Y8, Y0, Y0               // u
	VMOVUPD Y0, (SI)(AX*1)
	VBROADCASTSD HALF, Y7
	VDIVPD  Y10, Y7, Y10             // fs = 1/(2 sm)
	VDIVPD  Y11, Y7, Y11             // fd = 1/(2 sp)
	VBROADCASTSD QNAN, Y7
	VBLENDVPD Y12, Y10, Y7, Y10      // converged ? fs : NaN
	VBLENDVPD Y12, Y11, Y7, Y11
	VMOVUPD Y10, (DI)(AX*1)
	VMOVUPD Y11, (BX)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  nrlast
	MOVQ R14, unsettled+64(FP)
	VZEROUPPER
	RET
