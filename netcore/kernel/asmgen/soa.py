"""The dense middle for narrow networks (HiddenPad 8 or 16, exactly 10
outputs), 8 images at a time, one per lane; imported by gen.py."""
import re

out = []
w = out.append

def transpose8(loads, stores):
    """loads: 8 source operands (rows), stores: 8 destination operands (columns)."""
    r=['Y%d' % i for i in range(8)]
    t=['Y%d' % i for i in range(8,16)]
    for i in range(8):
        w('\tVMOVUPS %s, %s' % (loads[i], r[i]))
    for p in range(4):
        a,b=r[2*p],r[2*p+1]
        w('\tVUNPCKLPS %s, %s, %s' % (b,a,t[2*p]))
        w('\tVUNPCKHPS %s, %s, %s' % (b,a,t[2*p+1]))
    # t0=lo(r0,r1) t1=hi(r0,r1) t2=lo(r2,r3) t3=hi(r2,r3) ...
    # s0=shuf(t0,t2,44) s1=shuf(t0,t2,EE) s2=shuf(t1,t3,44) s3=shuf(t1,t3,EE); s4..7 from t4..t7
    s=r
    def shuf(imm,a,b,d): w('\tVSHUFPS $0x%02X, %s, %s, %s' % (imm,b,a,d))
    shuf(0x44,t[0],t[2],s[0]); shuf(0xEE,t[0],t[2],s[1]); shuf(0x44,t[1],t[3],s[2]); shuf(0xEE,t[1],t[3],s[3])
    shuf(0x44,t[4],t[6],s[4]); shuf(0xEE,t[4],t[6],s[5]); shuf(0x44,t[5],t[7],s[6]); shuf(0xEE,t[5],t[7],s[7])
    c=t
    def perm(imm,a,b,d): w('\tVPERM2F128 $0x%02X, %s, %s, %s' % (imm,b,a,d))
    for i in range(4):
        perm(0x20,s[i],s[i+4],c[i])
        perm(0x31,s[i],s[i+4],c[i+4])
    for i in range(8):
        w('\tVMOVUPS %s, %s' % (c[i], stores[i]))

# EXP_TEMPLATE replaces X by exp(X) as expf in generic.go computes it: zero
# below -64·ln2, capped at 2^64, clobbering T1, T2 and T3. It is the one copy
# of the sequence: exp() writes it inline here, and gen.py builds the EXP
# macro of dense.s.in from it.
EXP_TEMPLATE = '''VCMPPS $0x0D, c_expLo<>(SB), X, T3
VMINPS c_expHi<>(SB), X, X
VMULPS c_log2e<>(SB), X, T1
VROUNDPS $0, T1, T1
VFNMADD231PS c_ln2Hi<>(SB), T1, X
VFNMADD231PS c_ln2Lo<>(SB), T1, X
VMOVUPS c_p0<>(SB), T2
VFMADD213PS c_p1<>(SB), X, T2
VFMADD213PS c_p2<>(SB), X, T2
VFMADD213PS c_p3<>(SB), X, T2
VFMADD213PS c_p4<>(SB), X, T2
VFMADD213PS c_p5<>(SB), X, T2
VMULPS X, T2, T2
VFMADD213PS X, X, T2
VADDPS c_one<>(SB), T2, T2
VCVTPS2DQ T1, T1
VPADDD c_bias<>(SB), T1, T1
VPSLLD $23, T1, T1
VMULPS T1, T2, X
VANDPS T3, X, X'''

def exp_lines(x, t1, t2, t3):
    """EXP_TEMPLATE's instructions (without indentation) for registers x, t1, t2, t3."""
    regs = {'X': x, 'T1': t1, 'T2': t2, 'T3': t3}
    return [re.sub(r'\b(X|T1|T2|T3)\b', lambda m: regs[m.group(1)], l)
            for l in EXP_TEMPLATE.split('\n')]

def exp(x, t1, t2, t3):
    for l in exp_lines(x, t1, t2, t3):
        w('\t'+l)

# SoA work layout (bytes): Z/H at 0 (16 vectors), D at 512, DZ at 1024, DZ2 at 1536
ZS, DS, DZS, DZ2S = 0, 512, 1024, 1536

def kernel(hp):
    name='denseSoA%d' % hp
    L=lambda s: '%s_%s' % (s, hp)
    w('// func %s(a *soaArgs)' % name)
    w('//')
    w('// The dense middle for 8 images at once, one per lane, for networks with')
    w('// HiddenPad %d and exactly 10 outputs (see soaArgs). Each lane computes' % hp)
    w('// what denseAVX computes for one image, except that the sums over hidden')
    w('// units and over outputs run in a single chain per lane; the gradient')
    w('// sums themselves are left to the caller, which adds the rows in order.')
    w('TEXT ·%s(SB), NOSPLIT, $0-8' % name)
    w('\tMOVQ a+0(FP), R13')
    w('\tMOVQ soaArgs_work(R13), DI')
    w('\tMOVQ soaArgs_z(R13), SI')
    # transpose z rows (8 rows × hp) into Zs
    for cb in range(hp//8):
        transpose8(['%d(SI)' % (k*hp*4 + cb*32) for k in range(8)],
                   ['%d(DI)' % (ZS + (cb*8+c)*32) for c in range(8)])
    # activation over j < hidden
    w('\tMOVQ soaArgs_b1(R13), R9')
    w('\tMOVQ soaArgs_hidden(R13), CX')
    w('\tMOVQ soaArgs_act(R13), AX')
    w('\tMOVQ DI, R8')
    w('\tVMOVUPS c_one<>(SB), Y15')
    w('\tVMOVUPS c_sign<>(SB), Y14')
    w('\tCMPQ AX, $1')
    w('\tJEQ %s' % L('tanh'))
    w('\tJGT %s' % L('relu'))
    w('%s:' % L('sig'))
    w('\tVBROADCASTSS (R9), Y3')
    w('\tVADDPS (R8), Y3, Y0')
    w('\tVXORPS Y14, Y0, Y0')
    exp('Y0','Y1','Y2','Y4')
    w('\tVADDPS Y15, Y0, Y5')
    w('\tVDIVPS Y5, Y15, Y6')
    w('\tVMULPS Y6, Y0, Y7')
    w('\tVMULPS Y6, Y7, Y7')
    w('\tVMOVUPS Y6, %d(R8)' % ZS)
    w('\tVMOVUPS Y7, %d(R8)' % DS)
    w('\tADDQ $4, R9\n\tADDQ $32, R8\n\tDECQ CX\n\tJNZ %s' % L('sig'))
    w('\tJMP %s' % L('out'))
    w('%s:' % L('tanh'))
    w('\tVBROADCASTSS (R9), Y3')
    w('\tVADDPS (R8), Y3, Y9')
    w('\tVANDNPS Y9, Y14, Y0')
    w('\tVMULPS c_minus2<>(SB), Y0, Y0')
    exp('Y0','Y1','Y2','Y4')
    w('''	VADDPS Y15, Y0, Y5
	VDIVPS Y5, Y15, Y6
	VSUBPS Y0, Y15, Y7
	VMULPS Y6, Y7, Y7
	VANDPS Y14, Y9, Y9
	VORPS Y9, Y7, Y7
	VMULPS c_four<>(SB), Y0, Y0
	VMULPS Y6, Y0, Y0
	VMULPS Y6, Y0, Y0''')
    w('\tVMOVUPS Y7, %d(R8)' % ZS)
    w('\tVMOVUPS Y0, %d(R8)' % DS)
    w('\tADDQ $4, R9\n\tADDQ $32, R8\n\tDECQ CX\n\tJNZ %s' % L('tanh'))
    w('\tJMP %s' % L('out'))
    w('%s:' % L('relu'))
    w('\tVXORPS Y13, Y13, Y13')
    w('%s:' % L('reluloop'))
    w('\tVBROADCASTSS (R9), Y3')
    w('\tVADDPS (R8), Y3, Y0')
    w('\tVCMPPS $0x0E, Y13, Y0, Y1')
    w('\tVANDPS Y0, Y1, Y0')
    w('\tVANDPS Y15, Y1, Y1')
    w('\tVMOVUPS Y0, %d(R8)' % ZS)
    w('\tVMOVUPS Y1, %d(R8)' % DS)
    w('\tADDQ $4, R9\n\tADDQ $32, R8\n\tDECQ CX\n\tJNZ %s' % L('reluloop'))
    # z2[o] = b2[o] + sum_j W2[o][j] h[j]
    w('%s:' % L('out'))
    w('\tMOVQ soaArgs_w2b(R13), R9')
    w('\tMOVQ soaArgs_b2(R13), R10')
    w('\tMOVQ soaArgs_hidden(R13), CX')
    w('\tMOVQ DI, R8')
    for o in range(10):
        w('\tVBROADCASTSS %d(R10), Y%d' % (4*o, o))
    w('%s:' % L('gemv'))
    w('\tVMOVUPS %d(R8), Y10' % ZS)
    for o in range(10):
        w('\tVFMADD231PS %d(R9), Y10, Y%d' % (o*32, o))
    w('\tADDQ $320, R9\n\tADDQ $32, R8\n\tDECQ CX\n\tJNZ %s' % L('gemv'))
    # softmax: max, zl, exp, sum
    w('\tVMAXPS Y1, Y0, Y10')
    w('\tVMAXPS Y3, Y2, Y11')
    w('\tVMAXPS Y5, Y4, Y12')
    w('\tVMAXPS Y7, Y6, Y13')
    w('\tVMAXPS Y9, Y8, Y14')
    w('\tVMAXPS Y11, Y10, Y10')
    w('\tVMAXPS Y13, Y12, Y12')
    w('\tVMAXPS Y14, Y10, Y10')
    w('\tVMAXPS Y12, Y10, Y10')
    w('\tMOVQ soaArgs_labels(R13), R11')
    w('\tVMOVDQU (R11), Y15')
    w('\tVXORPS Y12, Y12, Y12')
    for o in range(10):
        w('\tVPCMPEQD c_iota%d<>(SB), Y15, Y11' % o)
        w('\tVANDPS Y%d, Y11, Y11' % o)
        w('\tVORPS Y11, Y12, Y12')
    w('\tVSUBPS Y10, Y12, Y12')
    w('\tVMOVUPS Y12, soaArgs_zl(R13)')
    w('\tVXORPS Y14, Y14, Y14')
    for o in range(10):
        w('\tVSUBPS Y10, Y%d, Y%d' % (o, o))
        exp('Y%d' % o, 'Y11', 'Y12', 'Y13')
        w('\tVADDPS Y%d, Y14, Y14' % o)
    w('\tVMOVUPS Y14, soaArgs_sum(R13)')
    w('\tVMOVUPS c_one<>(SB), Y10')
    w('\tVDIVPS Y14, Y10, Y10')
    for o in range(10):
        w('\tVMULPS Y10, Y%d, Y%d' % (o, o))
        w('\tVPCMPEQD c_iota%d<>(SB), Y15, Y11' % o)
        w('\tVANDPS c_one<>(SB), Y11, Y11')
        w('\tVSUBPS Y11, Y%d, Y%d' % (o, o))
        w('\tVMOVUPS Y%d, %d(DI)' % (o, DZ2S + 32*o))
    # dh[j] = sum_o W2[o][j] dz2[o]; dz[j] = dh[j] * d[j]
    w('\tMOVQ soaArgs_w2b(R13), R9')
    w('\tMOVQ soaArgs_hidden(R13), CX')
    w('\tMOVQ DI, R8')
    w('%s:' % L('back'))
    w('\tVMULPS (R9), Y0, Y10')
    w('\tVMULPS 32(R9), Y1, Y13')
    for o in range(2,10):
        acc='Y10' if o%2==0 else 'Y13'
        w('\tVFMADD231PS %d(R9), Y%d, %s' % (o*32, o, acc))
    w('\tVADDPS Y13, Y10, Y10')
    w('\tVMULPS %d(R8), Y10, Y10' % DS)
    w('\tVMOVUPS Y10, %d(R8)' % DZS)
    w('\tADDQ $320, R9\n\tADDQ $32, R8\n\tDECQ CX\n\tJNZ %s' % L('back'))
    # transposes back: H -> z rows, DZ -> dz1 rows, DZ2 -> dz2 rows (16 wide)
    w('\tMOVQ soaArgs_z(R13), SI')
    for cb in range(hp//8):
        transpose8(['%d(DI)' % (ZS + (cb*8+c)*32) for c in range(8)],
                   ['%d(SI)' % (k*hp*4 + cb*32) for k in range(8)])
    w('\tMOVQ soaArgs_dz1(R13), SI')
    for cb in range(hp//8):
        transpose8(['%d(DI)' % (DZS + (cb*8+c)*32) for c in range(8)],
                   ['%d(SI)' % (k*hp*4 + cb*32) for k in range(8)])
    w('\tMOVQ soaArgs_dz2(R13), SI')
    for cb in range(2):
        transpose8(['%d(DI)' % (DZ2S + (cb*8+c)*32) for c in range(8)],
                   ['%d(SI)' % (k*64 + cb*32) for k in range(8)])
    w('\tVZEROUPPER\n\tRET\n')

w('// c_iota<o><> is eight int32 lanes of o, to compare labels with.')
for o in range(10):
    for i in range(8):
        w('DATA c_iota%d<>+%d(SB)/4, $%d' % (o, 4*i, o))
    w('GLOBL c_iota%d<>(SB), RODATA|NOPTR, $32' % o)
w('')
kernel(8)
kernel(16)

w('''// func rowSum(dst, src *float32, n, words, stride int)
//
// dst[0:8·words] += row k of src (stride bytes apart) for k < n ≥ 1, in
// order, 1 ≤ words ≤ 2.
TEXT ·rowSum(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ words+24(FP), AX
	MOVQ stride+32(FP), DX
	VMOVUPS (DI), Y0
	CMPQ AX, $2
	JL rs1
	VMOVUPS 32(DI), Y1
rs2:
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	ADDQ DX, SI
	DECQ CX
	JNZ rs2
	VMOVUPS Y1, 32(DI)
	JMP rsdone
rs1:
	VADDPS (SI), Y0, Y0
	ADDQ DX, SI
	DECQ CX
	JNZ rs1
rsdone:
	VMOVUPS Y0, (DI)
	VZEROUPPER
	RET
''')


def generate():
    return '\n'.join(out)
