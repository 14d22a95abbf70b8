//! Initial process stack: argv, envp, auxv.
