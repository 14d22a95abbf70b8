//! PVH entry: QEMU (and Xen/Firecracker) jump to `pvh_start32` in 32-bit protected mode with paging
//! off and EBX holding the physical address of `hvm_start_info`. We build throw-away page tables
//! that identity-map and direct-map the first 4 GiB and map the kernel image at -2 GiB, enter long
//! mode, and call `kernel_start` on the boot stack. `mm::init` replaces these tables.

use core::arch::global_asm;

global_asm!(
    r#"
    .section .note.Xen, "a"
    .p2align 2
    .long 4
    .long 8
    .long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .p2align 2
    .quad pvh_start32

    .section .boot.text, "ax"
    .code32
    .global pvh_start32
pvh_start32:
    cli
    cld
    mov %ebx, %esi

    /* PML4: [0] identity, [256] direct map (PHYS_OFFSET), [511] kernel image. */
    lea boot_pdpt_low + 3, %eax
    mov %eax, boot_pml4
    mov %eax, boot_pml4 + 256 * 8
    lea boot_pdpt_high + 3, %eax
    mov %eax, boot_pml4 + 511 * 8

    /* PDPT low: 4 x 1 GiB, each a page directory of 2 MiB pages. */
    lea boot_pd + 3, %eax
    xor %ecx, %ecx
1:  mov %eax, boot_pdpt_low(,%ecx,8)
    add $4096, %eax
    inc %ecx
    cmp $4, %ecx
    jb 1b
    /* PDPT high: entry 510 (-2 GiB) maps the first GiB. */
    lea boot_pd + 3, %eax
    mov %eax, boot_pdpt_high + 510 * 8

    xor %ecx, %ecx
2:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax          /* present | writable | huge */
    mov %eax, boot_pd(,%ecx,8)
    inc %ecx
    cmp $2048, %ecx
    jb 2b

    mov %cr4, %eax
    or $0x20, %eax          /* PAE */
    mov %eax, %cr4
    lea boot_pml4, %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx   /* EFER: LME | NXE */
    rdmsr
    or $0x900, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80010001, %eax    /* PG | WP | PE */
    mov %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $boot64

    .code64
boot64:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    movabs $__boot_stack_top, %rsp
    xor %ebp, %ebp
    mov %esi, %edi
    movabs $kernel_start, %rax
    call *%rax
3:  hlt
    jmp 3b

    .section .boot.data, "aw"
    .p2align 12
boot_pml4:      .fill 512, 8, 0
boot_pdpt_low:  .fill 512, 8, 0
boot_pdpt_high: .fill 512, 8, 0
boot_pd:        .fill 2048, 8, 0
    .p2align 3
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff    /* 64-bit code */
    .quad 0x00cf92000000ffff    /* data */
boot_gdt_ptr:
    .word boot_gdt_ptr - boot_gdt - 1
    .long boot_gdt

    .section .bss
    .p2align 12
__boot_stack_bottom:
    .fill 65536, 1, 0
    .global __boot_stack_top
__boot_stack_top:
    .text
"#,
    options(att_syntax)
);
