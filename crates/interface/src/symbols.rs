//! The symbol table of one module, as a static linker sees it, and the linker's rule for
//! definitions of one symbol in several modules.
//!
//! The compiler reads a module's table (it needs LLVM); the runtime's bundle packer and the
//! compiler's loader both judge clashes with [`Definitions`], so packing and loading agree.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::CompileError;

/// What a symbol names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SymbolKind {
    /// A function (or an alias or ifunc of one).
    Function,
    /// A variable (or an alias of one).
    Data,
}

/// How a definition competes with other definitions of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Binding {
    /// An ordinary external definition: only one may exist.
    Strong,
    /// `weak` or `linkonce` (any or ODR): gives way to a strong definition; among weak ones the
    /// first linked wins.
    Weak,
    /// A common symbol (a tentative C definition): the largest wins, a strong definition beats it.
    Common,
}

/// A symbol a module defines for other modules (local symbols are not listed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefinedSymbol {
    /// The link name.
    pub name: String,
    /// Function or data.
    pub kind: SymbolKind,
    /// Strong, weak or common.
    pub binding: Binding,
    /// The definition belongs to a COMDAT group that deduplicates (any selection kind but
    /// `nodeduplicate`): the linker keeps one copy of the group, so such a symbol never clashes.
    pub comdat: bool,
}

/// A symbol a module uses but does not define.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndefinedSymbol {
    /// The link name.
    pub name: String,
    /// Function or data.
    pub kind: SymbolKind,
    /// `extern_weak`: the reference may stay unresolved (it is then null).
    pub weak: bool,
}

/// The symbol table of one module (what `llvm-nm` shows, minus local symbols and intrinsics).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleSymbols {
    /// Symbols the module defines, in the module's order.
    pub defined: Vec<DefinedSymbol>,
    /// Symbols the module declares without defining them, in the module's order.
    pub undefined: Vec<UndefinedSymbol>,
}

impl ModuleSymbols {
    /// The defined functions.
    pub fn functions(&self) -> impl Iterator<Item = &DefinedSymbol> {
        self.defined
            .iter()
            .filter(|d| d.kind == SymbolKind::Function)
    }
}

/// The definitions seen so far while modules are linked one after another, to catch two strong
/// definitions of one symbol before the IR linker does (its message names neither module).
#[derive(Debug, Default)]
pub struct Definitions {
    /// The module holding each symbol's first strong definition outside a COMDAT.
    strong: HashMap<String, String>,
}

impl Definitions {
    /// No module yet.
    pub fn new() -> Definitions {
        Definitions::default()
    }

    /// Adds the definitions of `module` (named `module_name` in messages). A strong definition
    /// outside a COMDAT of a symbol that an earlier module also defines strongly outside a COMDAT
    /// is [`CompileError::DuplicateSymbol`]; weak, common and COMDAT definitions never clash.
    pub fn add(&mut self, module_name: &str, symbols: &ModuleSymbols) -> Result<(), CompileError> {
        for symbol in &symbols.defined {
            if symbol.binding != Binding::Strong || symbol.comdat {
                continue;
            }
            if let Some(first) = self.strong.get(&symbol.name) {
                return Err(CompileError::DuplicateSymbol {
                    symbol: symbol.name.clone(),
                    first: first.clone(),
                    second: module_name.to_string(),
                });
            }
        }
        for symbol in &symbols.defined {
            if symbol.binding == Binding::Strong && !symbol.comdat {
                self.strong
                    .insert(symbol.name.clone(), module_name.to_string());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str, binding: Binding, comdat: bool) -> DefinedSymbol {
        DefinedSymbol {
            name: name.to_string(),
            kind: SymbolKind::Function,
            binding,
            comdat,
        }
    }

    fn module(defined: Vec<DefinedSymbol>) -> ModuleSymbols {
        ModuleSymbols {
            defined,
            undefined: Vec::new(),
        }
    }

    #[test]
    fn two_strong_definitions_name_both_modules() {
        let mut seen = Definitions::new();
        seen.add("main.bc", &module(vec![def("f", Binding::Strong, false)]))
            .unwrap();
        let e = seen
            .add("lib/a.bc", &module(vec![def("f", Binding::Strong, false)]))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "symbol 'f' is defined in both main.bc and lib/a.bc"
        );
    }

    #[test]
    fn weak_common_and_comdat_definitions_never_clash() {
        let mut seen = Definitions::new();
        let all = module(vec![
            def("w", Binding::Weak, false),
            def("c", Binding::Common, false),
            def("g", Binding::Strong, true),
        ]);
        seen.add("a", &all).unwrap();
        seen.add("b", &all).unwrap();
        seen.add(
            "c",
            &module(vec![
                def("w", Binding::Strong, false),
                def("c", Binding::Strong, false),
            ]),
        )
        .unwrap();
        // The strong definitions just added now clash with a later strong one.
        assert!(seen
            .add("d", &module(vec![def("w", Binding::Strong, false)]))
            .is_err());
    }
}
