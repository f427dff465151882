// The small part of irjit's compiler that LLVM's C API cannot express: extracting one function (or
// all global variables) of a module into a module of its own, and target-machine options missing
// from the C API. Everything here has a flat `extern "C"` surface wrapped by `src/shim.rs`.
//
// Cost model: extracting a function walks only that function's body and the globals it references,
// never the whole module, so the per-unit cost grows with the unit and not with the program.

#include "llvm-c/Core.h"
#include "llvm-c/TargetMachine.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DebugInfo.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalAlias.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Operator.h"
#include "llvm/Support/Error.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

#include <string>

using namespace llvm;

namespace {

char *message(const std::string &s) { return LLVMCreateMessage(s.c_str()); }

// The function whose block addresses a constant refers to, or null. Sets `conflict` when a constant
// refers to blocks of two different functions.
const Function *blockAddressOwner(const Constant *C, SmallPtrSetImpl<const Constant *> &Seen,
                                  bool &conflict) {
  if (!Seen.insert(C).second || isa<GlobalValue>(C))
    return nullptr;
  if (auto *BA = dyn_cast<BlockAddress>(C))
    return BA->getFunction();
  const Function *Owner = nullptr;
  for (const Use &U : C->operands()) {
    auto *Op = dyn_cast<Constant>(U.get());
    if (!Op)
      continue;
    const Function *F = blockAddressOwner(Op, Seen, conflict);
    if (F && Owner && F != Owner)
      conflict = true;
    if (F)
      Owner = F;
  }
  return Owner;
}

void copyModuleHeader(const Module &Src, Module &Dst) {
  Dst.setDataLayout(Src.getDataLayout());
  Dst.setTargetTriple(Src.getTargetTriple());
  Dst.setSourceFileName(Src.getSourceFileName());
  SmallVector<Module::ModuleFlagEntry, 8> Flags;
  Src.getModuleFlagsMetadata(Flags);
  for (const auto &Flag : Flags) {
    if (Flag.Key->getString() == "Debug Info Version")
      continue;
    Dst.addModuleFlag(Flag.Behavior, Flag.Key->getString(), Flag.Val);
  }
}

// Builds the module of one unit: declarations for whatever the unit references, definitions for
// the unit's own members.
struct UnitBuilder {
  Module &Src;
  Module &Dst;
  ValueToValueMapTy VMap;
  SmallPtrSet<const Constant *, 32> Visited;
  std::string Error;

  UnitBuilder(Module &Src, Module &Dst) : Src(Src), Dst(Dst) {}

  GlobalValue *declare(const GlobalValue *GV) {
    auto It = VMap.find(GV);
    if (It != VMap.end())
      return cast<GlobalValue>(It->second);
    GlobalValue *New = nullptr;
    bool IsFunction = isa<Function>(GV);
    if (auto *A = dyn_cast<GlobalAlias>(GV))
      IsFunction = isa_and_nonnull<Function>(A->getAliaseeObject());
    if (isa<GlobalIFunc>(GV)) {
      Error = "ifunc '" + GV->getName().str() + "' is not supported";
      IsFunction = true;
    }
    if (IsFunction) {
      auto *FTy = dyn_cast<FunctionType>(GV->getValueType());
      if (!FTy)
        FTy = FunctionType::get(Type::getVoidTy(Dst.getContext()), false);
      Function *NF = Function::Create(FTy, GlobalValue::ExternalLinkage, GV->getAddressSpace(),
                                      GV->getName(), &Dst);
      if (auto *F = dyn_cast<Function>(GV)) {
        NF->setAttributes(F->getAttributes());
        NF->setCallingConv(F->getCallingConv());
      }
      New = NF;
    } else {
      auto *V = dyn_cast<GlobalVariable>(GV);
      auto *NV = new GlobalVariable(Dst, GV->getValueType(), V && V->isConstant(),
                                    GlobalValue::ExternalLinkage, nullptr, GV->getName(), nullptr,
                                    GV->getThreadLocalMode(), GV->getAddressSpace());
      if (V)
        NV->setAlignment(V->getAlign());
      New = NV;
    }
    if (GV->hasExternalWeakLinkage())
      New->setLinkage(GlobalValue::ExternalWeakLinkage);
    New->setVisibility(GV->getVisibility());
    New->setDSOLocal(GV->isDSOLocal());
    New->setUnnamedAddr(GV->getUnnamedAddr());
    VMap[GV] = New;
    return New;
  }

  void visitConstant(const Constant *C) {
    if (!Visited.insert(C).second)
      return;
    if (auto *A = dyn_cast<GlobalAlias>(C)) {
      // An alias becomes its aliasee expression: two distinct declarations would let LLVM fold
      // `&alias == &target` to false.
      if (!VMap.count(A)) {
        visitConstant(A->getAliasee());
        VMap[A] = MapValue(A->getAliasee(), VMap);
      }
      return;
    }
    if (auto *GV = dyn_cast<GlobalValue>(C)) {
      declare(GV);
      return;
    }
    for (const Use &U : C->operands())
      if (auto *Op = dyn_cast<Constant>(U.get()))
        visitConstant(Op);
  }

  void visitFunctionBody(const Function &F) {
    if (F.hasPersonalityFn())
      visitConstant(F.getPersonalityFn());
    if (F.hasPrefixData())
      visitConstant(F.getPrefixData());
    if (F.hasPrologueData())
      visitConstant(F.getPrologueData());
    for (const BasicBlock &BB : F)
      for (const Instruction &I : BB)
        for (const Use &U : I.operands())
          if (auto *C = dyn_cast<Constant>(U.get()))
            visitConstant(C);
  }

  GlobalVariable *defineVariableShell(const GlobalVariable &V) {
    auto *NV = new GlobalVariable(Dst, V.getValueType(), V.isConstant(), V.getLinkage(), nullptr,
                                  V.getName(), nullptr, V.getThreadLocalMode(),
                                  V.getAddressSpace());
    NV->copyAttributesFrom(&V);
    VMap[&V] = NV;
    return NV;
  }
};

} // namespace

extern "C" {

// Materializes every lazily loaded function body. Returns 0 on success, else sets *err.
int irjit_materialize_all(LLVMModuleRef M, char **err) {
  if (Error E = unwrap(M)->materializeAll()) {
    *err = message(toString(std::move(E)));
    return 1;
  }
  return 0;
}

// Materializes one lazily loaded function body.
int irjit_materialize(LLVMValueRef F, char **err) {
  if (Error E = unwrap<GlobalValue>(F)->materialize()) {
    *err = message(toString(std::move(E)));
    return 1;
  }
  return 0;
}

// The function whose block addresses the initializer of global variable `G` uses, or null. Sets
// *conflict to 1 when it uses blocks of more than one function.
LLVMValueRef irjit_blockaddress_owner(LLVMValueRef G, int *conflict) {
  auto *V = unwrap<GlobalVariable>(G);
  *conflict = 0;
  if (!V->hasInitializer())
    return nullptr;
  SmallPtrSet<const Constant *, 16> Seen;
  bool Conflict = false;
  const Function *F = blockAddressOwner(V->getInitializer(), Seen, Conflict);
  *conflict = Conflict;
  return wrap(const_cast<Function *>(F));
}

// The global object an alias ultimately points into, and the constant byte offset from it.
LLVMValueRef irjit_alias_base(LLVMValueRef A, int64_t *offset) {
  auto *GA = unwrap<GlobalAlias>(A);
  const DataLayout &DL = GA->getParent()->getDataLayout();
  APInt Offset(DL.getIndexTypeSizeInBits(GA->getType()), 0);
  const Value *Base =
      GA->getAliasee()->stripAndAccumulateConstantOffsets(DL, Offset, /*AllowNonInbounds=*/true);
  *offset = Offset.getSExtValue();
  auto *GO = dyn_cast<GlobalValue>(Base);
  return GO ? wrap(const_cast<GlobalValue *>(GO)) : nullptr;
}

// Sets or clears a global value's dso_local flag (absent from the C API).
void irjit_set_dso_local(LLVMValueRef G, int Local) { unwrap<GlobalValue>(G)->setDSOLocal(Local); }

// Erases a global value (variable, function, alias) from its module.
void irjit_erase_global(LLVMValueRef G) { unwrap<GlobalValue>(G)->eraseFromParent(); }

// Options of one unit build (mirrors `UnitOptions` in src/shim.rs).
struct IrjitUnitOptions {
  // Nonzero: count entries and loop iterations in `__irjit_counters[Unit]`.
  unsigned Counters;
  unsigned Unit;
  // Import the bodies of up to this many small direct callees as available_externally, so the
  // optimizer can inline across units; 0 = none.
  unsigned MaxImports;
  // Largest callee (in instructions) worth importing.
  unsigned ImportSize;
  // The unit replaces code already linked: give the variables living with the function internal
  // linkage so that they do not clash with the first version's.
  unsigned Recompile;
  // Nothing will need the function's IR again: move its body into the unit instead of copying it.
  unsigned Consume;
};

namespace {

// Adds a counter to the function: `__irjit_counters[unit] += 1` at entry (after the entry block's
// allocas) and at each loop header (after its PHIs). No branch and no call: splitting blocks
// would make -O0 code spill around every new block boundary. The runtime owns the counter array
// and polls it to find hot functions.
void instrument(Function &F, const IrjitUnitOptions &Opts) {
  Module &M = *F.getParent();
  LLVMContext &C = M.getContext();
  Type *I32 = Type::getInt32Ty(C);
  auto *Counters = cast<GlobalVariable>(M.getOrInsertGlobal("__irjit_counters", I32));
  Counters->setVisibility(GlobalValue::HiddenVisibility);
  Counters->setDSOLocal(true);

  DominatorTree DT(F);
  LoopInfo LI(DT);
  SmallVector<Instruction *, 8> Points;
  Instruction *AfterAllocas = &*F.getEntryBlock().getFirstInsertionPt();
  while (isa<AllocaInst>(AfterAllocas))
    AfterAllocas = AfterAllocas->getNextNode();
  Points.push_back(AfterAllocas);
  for (Loop *L : LI.getLoopsInPreorder()) {
    BasicBlock::iterator At = L->getHeader()->getFirstInsertionPt();
    if (At != L->getHeader()->end())
      Points.push_back(&*At);
  }
  for (Instruction *At : Points) {
    IRBuilder<> IRB(At);
    Value *Slot = IRB.CreateConstInBoundsGEP1_64(I32, Counters, Opts.Unit);
    IRB.CreateStore(IRB.CreateAdd(IRB.CreateLoad(I32, Slot), ConstantInt::get(I32, 1)), Slot);
  }
}

// Whether a callee's body may be copied into another unit for inlining.
bool importable(const Function &G, unsigned MaxSize) {
  if (G.isDeclaration() || G.hasAvailableExternallyLinkage() || G.isIntrinsic() ||
      G.isVarArg())
    return false;
  if (G.hasFnAttribute(Attribute::NoInline) && !G.hasFnAttribute(Attribute::OptimizeNone))
    return false;
  if (G.getInstructionCount() > MaxSize)
    return false;
  for (const BasicBlock &BB : G) {
    // Block addresses of a copy would differ from those of the real function.
    if (BB.hasAddressTaken() || isa<IndirectBrInst>(BB.getTerminator()))
      return false;
  }
  return true;
}

} // namespace

// Builds a module holding function `Fn` (plus the global variables in `Owned`, whose initializers
// use Fn's block addresses) and declarations of everything they reference; with options, also
// copies of small callees to inline and tier-0 counters. The source function is materialized and
// its debug info stripped.
LLVMModuleRef irjit_extract_function(LLVMModuleRef M, LLVMValueRef Fn, LLVMValueRef *Owned,
                                     unsigned NumOwned, const IrjitUnitOptions *Opts,
                                     char **err) {
  Module &Src = *unwrap(M);
  Function &F = *unwrap<Function>(Fn);
  if (Error E = F.materialize()) {
    *err = message(toString(std::move(E)));
    return nullptr;
  }
  stripDebugInfo(F);

  auto Dst = std::make_unique<Module>(F.getName(), Src.getContext());
  copyModuleHeader(Src, *Dst);
  UnitBuilder B(Src, *Dst);

  Function *NF = Function::Create(F.getFunctionType(), F.getLinkage(), F.getAddressSpace(),
                                  F.getName(), Dst.get());
  NF->copyAttributesFrom(&F);
  NF->setPersonalityFn(nullptr);
  NF->setPrefixData(nullptr);
  NF->setPrologueData(nullptr);
  B.VMap[&F] = NF;

  SmallVector<GlobalVariable *, 2> OwnedVars;
  for (unsigned I = 0; I < NumOwned; ++I) {
    auto *V = unwrap<GlobalVariable>(Owned[I]);
    GlobalVariable *NV = B.defineVariableShell(*V);
    if (Opts->Recompile) {
      NV->setLinkage(GlobalValue::InternalLinkage);
      NV->setVisibility(GlobalValue::DefaultVisibility);
    }
    OwnedVars.push_back(NV);
  }

  // Callees to copy in for inlining: defined before F's body is visited, so that F's calls map
  // to the copies.
  SmallVector<std::pair<Function *, Function *>, 8> Imports;
  if (Opts->MaxImports) {
    for (Instruction &I : instructions(F)) {
      auto *CB = dyn_cast<CallBase>(&I);
      Function *G = CB ? CB->getCalledFunction() : nullptr;
      if (!G || G == &F || B.VMap.count(G) || Imports.size() >= Opts->MaxImports)
        continue;
      if (G->isDeclaration() || G->hasAvailableExternallyLinkage())
        continue;
      if (Error E = G->materialize()) {
        consumeError(std::move(E));
        continue;
      }
      if (!importable(*G, Opts->ImportSize))
        continue;
      stripDebugInfo(*G);
      Function *NG = Function::Create(G->getFunctionType(), GlobalValue::AvailableExternallyLinkage,
                                      G->getAddressSpace(), G->getName(), Dst.get());
      NG->copyAttributesFrom(G);
      NG->setLinkage(GlobalValue::AvailableExternallyLinkage);
      NG->setVisibility(GlobalValue::DefaultVisibility);
      NG->setPersonalityFn(nullptr);
      NG->setPrefixData(nullptr);
      NG->setPrologueData(nullptr);
      NG->setComdat(nullptr);
      B.VMap[G] = NG;
      Imports.push_back({G, NG});
    }
  }

  for (unsigned I = 0; I < NumOwned; ++I)
    B.visitConstant(unwrap<GlobalVariable>(Owned[I])->getInitializer());
  B.visitFunctionBody(F);
  for (auto [G, NG] : Imports)
    B.visitFunctionBody(*G);
  if (!B.Error.empty()) {
    *err = message(B.Error);
    return nullptr;
  }

  auto cloneBody = [&](Function &From, Function &To) {
    auto DestArg = To.arg_begin();
    for (const Argument &A : From.args()) {
      DestArg->setName(A.getName());
      B.VMap[&A] = &*DestArg++;
    }
    SmallVector<ReturnInst *, 8> Returns;
    CloneFunctionInto(&To, &From, B.VMap, CloneFunctionChangeType::DifferentModule, Returns);
  };
  // Moving the body: the blocks and instructions change module in place, their operands are
  // remapped to the unit's declarations. Not with variables living with the function (their
  // initializers name its blocks) or imports (their bodies map through the copied blocks).
  auto moveBody = [&](Function &From, Function &To) {
    auto DestArg = To.arg_begin();
    for (Argument &A : From.args()) {
      DestArg->takeName(&A);
      A.replaceAllUsesWith(&*DestArg++);
    }
    if (From.hasPersonalityFn())
      To.setPersonalityFn(MapValue(From.getPersonalityFn(), B.VMap));
    if (From.hasPrefixData())
      To.setPrefixData(MapValue(From.getPrefixData(), B.VMap));
    if (From.hasPrologueData())
      To.setPrologueData(MapValue(From.getPrologueData(), B.VMap));
    SmallVector<std::pair<unsigned, MDNode *>, 4> MDs;
    From.getAllMetadata(MDs);
    for (auto [Kind, Node] : MDs)
      To.addMetadata(Kind, *MapMetadata(Node, B.VMap));
    To.splice(To.end(), &From);
    for (BasicBlock &BB : To)
      for (Instruction &I : BB)
        RemapInstruction(&I, B.VMap, RF_IgnoreMissingLocals);
    // What remains in the source module is a declaration.
    From.setLinkage(GlobalValue::ExternalLinkage);
    From.setComdat(nullptr);
    From.setPersonalityFn(nullptr);
    From.setPrefixData(nullptr);
    From.setPrologueData(nullptr);
    From.clearMetadata();
  };
  bool TakenBlocks = false;
  for (const BasicBlock &BB : F)
    TakenBlocks |= BB.hasAddressTaken();
  if (Opts->Consume && NumOwned == 0 && Imports.empty() && !TakenBlocks)
    moveBody(F, *NF);
  else
    cloneBody(F, *NF);
  for (auto [G, NG] : Imports)
    cloneBody(*G, *NG);

  for (unsigned I = 0; I < NumOwned; ++I) {
    auto *V = unwrap<GlobalVariable>(Owned[I]);
    OwnedVars[I]->setInitializer(MapValue(V->getInitializer(), B.VMap));
  }
  if (Opts->Counters)
    instrument(*NF, *Opts);
  return wrap(Dst.release());
}

// Builds the module of all global variable definitions, except the variables in `Skip` (which live
// in a function's unit). Everything else becomes a declaration. Module-level inline assembly goes
// here too, so that it is emitted exactly once.
LLVMModuleRef irjit_extract_globals(LLVMModuleRef M, LLVMValueRef *Skip, unsigned NumSkip,
                                    char **err) {
  Module &Src = *unwrap(M);
  SmallPtrSet<const GlobalValue *, 8> Skipped;
  for (unsigned I = 0; I < NumSkip; ++I)
    Skipped.insert(unwrap<GlobalValue>(Skip[I]));
  for (const GlobalIFunc &I : Src.ifuncs()) {
    *err = message("ifunc '" + I.getName().str() + "' is not supported");
    return nullptr;
  }
  ValueToValueMapTy VMap;
  std::unique_ptr<Module> Dst = CloneModule(Src, VMap, [&](const GlobalValue *GV) {
    return isa<GlobalVariable>(GV) && !Skipped.count(GV) && !GV->hasAvailableExternallyLinkage();
  });
  // CloneModule turned aliases into declarations; the runtime resolves them from the layout.
  StripDebugInfo(*Dst);
  return wrap(Dst.release());
}

// Runs LLVM's default per-module pipeline at `Level` (1-3) for `TM`. Built through the
// PassBuilder API rather than from the text "default<On>": LLVM 19 parses that text with a
// function-local static Regex, which threads compiling at the same time share unsafely.
int irjit_run_default_pipeline(LLVMModuleRef M, LLVMTargetMachineRef TMRef, unsigned Level,
                               char **err) {
  auto *TM = reinterpret_cast<TargetMachine *>(TMRef);
  OptimizationLevel OL = Level >= 3   ? OptimizationLevel::O3
                         : Level == 2 ? OptimizationLevel::O2
                         : Level == 1 ? OptimizationLevel::O1
                                      : OptimizationLevel::O0;
  LoopAnalysisManager LAM;
  FunctionAnalysisManager FAM;
  CGSCCAnalysisManager CGAM;
  ModuleAnalysisManager MAM;
  // As clang does at -O2 and above: the loop and SLP vectorizers are on.
  PipelineTuningOptions PTO;
  PTO.LoopVectorization = Level >= 2;
  PTO.SLPVectorization = Level >= 2;
  PassBuilder PB(TM, PTO);
  PB.registerModuleAnalyses(MAM);
  PB.registerCGSCCAnalyses(CGAM);
  PB.registerFunctionAnalyses(FAM);
  PB.registerLoopAnalyses(LAM);
  PB.crossRegisterProxies(LAM, FAM, CGAM, MAM);
  ModulePassManager MPM = OL == OptimizationLevel::O0 ? PB.buildO0DefaultPipeline(OL)
                                                      : PB.buildPerModuleDefaultPipeline(OL);
  MPM.run(*unwrap(M), MAM);
  (void)err;
  return 0;
}

// Makes `TM` lower thread-local variables to emulated TLS (`__emutls_get_address`), which needs
// no TLS relocations in the loader.
void irjit_target_machine_use_emulated_tls(LLVMTargetMachineRef TM) {
  reinterpret_cast<TargetMachine *>(TM)->Options.EmulatedTLS = true;
}

// An object emitter that keeps its codegen pipeline from one module to the next.
//
// Building the legacy codegen pass pipeline (`addPassesToEmitFile`) and tearing it down costs
// about a fifth of a small function's compile at -O0. The pipeline is made to be run on several
// modules in turn: every pass re-initializes its module state in doInitialization, and the
// AsmPrinter's doFinalization finishes the object and resets its streamer (MCAssembler, ELF
// writer), as the MachineModuleInfo resets its MCContext. So one pipeline writes each module's
// object into the same buffer, emptied before each run.
struct IrjitEmitter {
  TargetMachine *TM;
  legacy::PassManager PM;
  SmallVector<char, 0> Buffer;
  raw_svector_ostream Stream{Buffer};
};

IrjitEmitter *irjit_emitter_create(LLVMTargetMachineRef T, char **err) {
  auto *E = new IrjitEmitter();
  E->TM = reinterpret_cast<TargetMachine *>(T);
  if (E->TM->addPassesToEmitFile(E->PM, E->Stream, nullptr, CodeGenFileType::ObjectFile)) {
    delete E;
    *err = message("the target machine cannot emit object files");
    return nullptr;
  }
  return E;
}

// Emits `M` as an object; `*data`/`*len` stay valid until the next run or the disposal.
void irjit_emitter_run(IrjitEmitter *E, LLVMModuleRef M, const char **data, size_t *len) {
  Module *Mod = unwrap(M);
  Mod->setDataLayout(E->TM->createDataLayout());
  E->Buffer.clear();
  E->PM.run(*Mod);
  *data = E->Buffer.data();
  *len = E->Buffer.size();
}

void irjit_emitter_dispose(IrjitEmitter *E) { delete E; }

} // extern "C"
