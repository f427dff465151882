// The small part of irjit's compiler that LLVM's C API cannot express: extracting one function (or
// all global variables) of a module into a module of its own, and target-machine options missing
// from the C API. Everything here has a flat `extern "C"` surface wrapped by `src/shim.rs`.
//
// Cost model: extracting a function walks only that function's body and the globals it references,
// never the whole module, so the per-unit cost grows with the unit and not with the program.

#include "llvm-c/Core.h"
#include "llvm-c/TargetMachine.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/DepthFirstIterator.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/IntrinsicInst.h"
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
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/Local.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"
#include "llvm/Transforms/Utils/SSAUpdater.h"
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
  // Declare constant variables with their initializers (see constantToCopy).
  bool ConstantInitializers = false;

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
    if (auto *V = dyn_cast<GlobalVariable>(GV); V && ConstantInitializers && constantToCopy(*V)) {
      // Its initializer's globals are declared first (a cycle ends at this declaration, which
      // is in the map already).
      visitConstant(V->getInitializer());
      auto *NV = cast<GlobalVariable>(New);
      NV->setLinkage(GlobalValue::AvailableExternallyLinkage);
      NV->setInitializer(MapValue(V->getInitializer(), VMap));
    }
    return New;
  }

  // Whether a constant variable's declaration in an optimized unit carries a copy of its
  // initializer (as `available_externally`: the object still refers to the one definition, in
  // the globals' unit), so that the optimizer can read it as it does within a native build's
  // file: `strlen("true")` folds to 4, a load from a constant table at a known index to its
  // entry, a call through a constant table of functions to a direct call. Only initializers
  // that are final (no weak or externally initialized definitions), thread-independent, without
  // block addresses (a dispatch table names its function's own blocks), and of a sensible size.
  bool constantToCopy(const GlobalVariable &V) const {
    if (!V.isConstant() || !V.hasDefinitiveInitializer() || V.isThreadLocal() ||
        V.getName().starts_with("llvm."))
      return false;
    const DataLayout &DL = Src.getDataLayout();
    if (DL.getTypeAllocSize(V.getValueType()).getKnownMinValue() > MaxConstantCopy)
      return false;
    SmallPtrSet<const Constant *, 16> Seen;
    SmallVector<const Constant *, 16> Work{V.getInitializer()};
    while (!Work.empty()) {
      const Constant *C = Work.pop_back_val();
      if (isa<BlockAddress>(C) || isa<DSOLocalEquivalent>(C) || isa<NoCFIValue>(C))
        return false;
      if (isa<GlobalValue>(C) || !Seen.insert(C).second)
        continue;
      for (const Use &Op : C->operands())
        Work.push_back(cast<Constant>(Op.get()));
    }
    return true;
  }

  // Bytes of a constant variable's initializer copied into a unit, at most (see
  // constantToCopy). Parser and keyword tables of a few kilobytes fit; a copy with no global in
  // it is the same uniqued constant, so size costs little.
  static constexpr uint64_t MaxConstantCopy = 64 * 1024;

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

namespace {
// Whether metadata refers (through any operand) to a global value of another module.
bool refersOutside(const Metadata *MD, const Module &M, SmallPtrSetImpl<const Metadata *> &Seen) {
  if (!MD || !Seen.insert(MD).second)
    return false;
  if (auto *VAM = dyn_cast<ValueAsMetadata>(MD)) {
    const Value *V = VAM->getValue()->stripPointerCasts();
    if (auto *GV = dyn_cast<GlobalValue>(V))
      return GV->getParent() != &M;
    return false;
  }
  if (auto *N = dyn_cast<MDNode>(MD))
    for (const MDOperand &Op : N->operands())
      if (refersOutside(Op.get(), M, Seen))
        return true;
  return false;
}
} // namespace

// Drops attached metadata that names global values of another module (e.g. `!callees` of an
// indirect call in -O2 bitcode, copied along with the instruction): such references are only
// hints for the optimizer, and the bitcode writer (which hashes a unit for the code cache)
// cannot encode them.
void irjit_drop_foreign_metadata(LLVMModuleRef Mod) {
  Module &M = *unwrap(Mod);
  SmallVector<std::pair<unsigned, MDNode *>, 8> MDs;
  auto clean = [&](auto &Object) {
    MDs.clear();
    Object.getAllMetadata(MDs);
    for (auto [Kind, Node] : MDs) {
      SmallPtrSet<const Metadata *, 16> Seen;
      if (refersOutside(Node, M, Seen))
        Object.setMetadata(Kind, nullptr);
    }
  };
  for (GlobalVariable &G : M.globals())
    clean(G);
  for (Function &F : M) {
    clean(F);
    for (BasicBlock &BB : F)
      for (Instruction &I : BB)
        clean(I);
  }
}

// Options of one unit build (mirrors `UnitOptions` in src/shim.rs).
struct IrjitUnitOptions {
  // Nonzero: count entries and loop iterations in `__irjit_counter` (which the runtime resolves,
  // per object, to the unit's slot of its counter array).
  unsigned Counters;
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
  // OSR sites (with counters): the unit's loop headers use records 0.. of `__irjit_osr_sites`
  // (resolved per object to the unit's first record), at most OsrLimit of them; 0 = none.
  unsigned OsrLimit;
  // Nonzero: build the OSR continuation of the function's loop site OsrEntry - 1 instead
  // (entering also at the sites of OsrEntryOthers' bits: bit N, site N).
  unsigned OsrEntry;
  // Written back: how many site records the unit uses.
  unsigned OsrSitesOut;
  // Import callees of imported callees too, down to this depth (1 = direct callees only).
  unsigned ImportDepth;
  // Instructions imported in all, at most.
  unsigned ImportBudget;
  // With OsrEntry: the other loop sites the continuation enters (bit N: site N).
  uint64_t OsrEntryOthers;
  // With OsrEntry: the continuation's body also serves as the function's own tier-2 code,
  // entered through a definition of the function itself (not for varargs functions).
  unsigned OsrWithFunction;
};

namespace {

// ---- On-stack replacement -------------------------------------------------------------------
//
// Every loop header of a function is an OSR site, numbered in LoopInfo's preorder. Tier-0 code
// and the tier-2 continuation are built by different compilers from the same IR, so both derive
// the sites, their eligibility and the values live at each from that IR with the code below, and
// agree on the continuation's signature: the live values in a fixed order (arguments, then
// instructions in function order; the header's phis among them).

// Whether every use of `C` (a block address, or a constant built from one) ends in the
// initializer of a constant global variable: a dispatch table, as interpreters written with
// computed gotos have (`static const void *const table[] = {&&op_add, ...}`). The unit that owns
// such a table (see the splitter) and each OSR continuation have a table of their own, naming
// their own blocks.
bool onlyInConstantTables(const Constant *C) {
  for (const User *U : C->users()) {
    if (auto *GV = dyn_cast<GlobalVariable>(U)) {
      if (!GV->isConstant())
        return false;
      continue;
    }
    auto *CU = dyn_cast<Constant>(U);
    if (!CU || !onlyInConstantTables(CU))
      return false;
  }
  return true;
}

// Whether `V` may hold an address read from one of F's dispatch tables (through phis, selects,
// casts and address arithmetic): a block address of the code that computed it. Tier-0 code and
// its continuation read their own tables; such a value crossing from one to the other would
// jump back into the tier-0 function's blocks with the continuation's frame.
bool fromBlockTable(const Value *V, const Function &F, SmallPtrSetImpl<const Value *> &Seen) {
  if (!Seen.insert(V).second)
    return false;
  if (auto *BA = dyn_cast<BlockAddress>(V))
    return BA->getFunction() == &F;
  if (auto *L = dyn_cast<LoadInst>(V)) {
    auto *GV = dyn_cast<GlobalVariable>(getUnderlyingObject(L->getPointerOperand()));
    if (!GV || !GV->hasInitializer())
      return false;
    SmallVector<const Constant *, 8> Work{GV->getInitializer()};
    while (!Work.empty()) {
      const Constant *C = Work.pop_back_val();
      if (auto *BA = dyn_cast<BlockAddress>(C); BA && BA->getFunction() == &F)
        return true;
      for (const Use &Op : C->operands())
        if (auto *OC = dyn_cast<Constant>(Op.get()); OC && !isa<GlobalValue>(OC))
          Work.push_back(OC);
    }
    return false;
  }
  if (isa<PHINode>(V) || isa<SelectInst>(V) || isa<CastInst>(V) || isa<GEPOperator>(V)) {
    for (const Value *Op : cast<User>(V)->operands())
      if (fromBlockTable(Op, F, Seen))
        return true;
  }
  return false;
}

// Whether a function's loops can be entered from the middle: no setjmp (a second return into
// the tier-0 frame), no block addresses but in constant dispatch tables (see
// onlyInConstantTables) and no such address stored or handed to a call, no asm goto, no musttail
// (the continuation's prototype differs), no frame games whose values would mean the tier-0
// frame. (Saved stack pointers and block addresses live at a loop header are refused per site:
// see osrSites.)
bool osrFunctionEligible(const Function &F) {
  if (F.hasFnAttribute(Attribute::Naked) || F.isPresplitCoroutine())
    return false;
  for (const Argument &A : F.args())
    if (A.hasInAllocaAttr() || A.hasPreallocatedAttr() || A.hasSwiftErrorAttr())
      return false;
  bool Tables = false;
  for (const BasicBlock &BB : F) {
    if (BB.hasAddressTaken()) {
      const BlockAddress *BA = BlockAddress::lookup(&BB);
      if (BA && !onlyInConstantTables(BA))
        return false;
      Tables = true;
    }
    const Instruction *T = BB.getTerminator();
    if (!T || isa<CallBrInst>(T))
      return false;
    if (BB.isEHPad() && !BB.isLandingPad())
      return false;
  }
  for (const BasicBlock &BB : F) {
    for (const Instruction &I : BB) {
      if (Tables) {
        SmallPtrSet<const Value *, 8> Seen;
        if (auto *St = dyn_cast<StoreInst>(&I); St && fromBlockTable(St->getValueOperand(), F, Seen))
          return false;
        if (auto *Call = dyn_cast<CallBase>(&I))
          for (const Value *Arg : Call->args())
            if (Seen.clear(), fromBlockTable(Arg, F, Seen))
              return false;
      }
      auto *CB = dyn_cast<CallBase>(&I);
      if (!CB)
        continue;
      if (CB->hasFnAttr(Attribute::ReturnsTwice))
        return false;
      if (auto *CI = dyn_cast<CallInst>(CB); CI && CI->isMustTailCall())
        return false;
      if (auto *II = dyn_cast<IntrinsicInst>(CB)) {
        switch (II->getIntrinsicID()) {
        case Intrinsic::localescape:
        case Intrinsic::localrecover:
        case Intrinsic::frameaddress:
        case Intrinsic::returnaddress:
        case Intrinsic::addressofreturnaddress:
        case Intrinsic::sponentry:
          return false;
        default:
          break;
        }
      }
    }
  }
  return true;
}

struct OsrSite {
  BasicBlock *Header;
  std::vector<Value *> Live;
  bool Eligible;
};

// The variables of a function's entry block (static allocas) that tier-0 code with OSR sites
// keeps in one block of its frame, at fixed offsets: a transfer then passes the block's address
// instead of one address per variable (an interpreter loop at -O0 has hundreds live at its
// header), and the continuation finds each variable at its offset. Both sides lay the block out
// from the same IR, in the order of the entry block.
struct OsrFrame {
  DenseMap<const Value *, uint64_t> Offset;
  uint64_t Size = 0;
  Align Alignment;

  bool holds(const Value *V) const { return Offset.count(V) != 0; }
};

OsrFrame osrFrame(Function &F) {
  OsrFrame Frame;
  const DataLayout &DL = F.getParent()->getDataLayout();
  for (Instruction &I : F.getEntryBlock()) {
    auto *AI = dyn_cast<AllocaInst>(&I);
    if (!AI || !AI->isStaticAlloca() || AI->isSwiftError() || AI->isUsedWithInAlloca() ||
        AI->getAddressSpace() != DL.getAllocaAddrSpace())
      continue;
    uint64_t Count = cast<ConstantInt>(AI->getArraySize())->getZExtValue();
    uint64_t Bytes = DL.getTypeAllocSize(AI->getAllocatedType()).getFixedValue() * Count;
    Frame.Size = alignTo(Frame.Size, AI->getAlign());
    Frame.Offset[AI] = Frame.Size;
    // Distinct variables keep distinct addresses, even empty ones.
    Frame.Size += std::max<uint64_t>(Bytes, 1);
    Frame.Alignment = std::max(Frame.Alignment, AI->getAlign());
  }
  return Frame;
}

// The continuation's parameters for site `S`: the frame block's address first when one of its
// variables is live there (a null entry stands for it), then the other live values in order.
SmallVector<Value *, 16> osrParams(const OsrSite &S, const OsrFrame &Frame) {
  SmallVector<Value *, 16> Params;
  if (llvm::any_of(S.Live, [&](Value *V) { return Frame.holds(V); }))
    Params.push_back(nullptr);
  for (Value *V : S.Live)
    if (!Frame.holds(V))
      Params.push_back(V);
  return Params;
}

// Tier-0 code: moves the variables of `Frame` into one block at the top of the entry block
// (`Block`). Each block using a variable gets its own address computation (-O0 instruction
// selection folds a constant offset from a frame object into the access only within a block),
// shared by the block's uses.
void mergeFrame(Function &F, const OsrFrame &Frame, AllocaInst *Block) {
  LLVMContext &C = F.getContext();
  Type *I8 = Type::getInt8Ty(C);
  SmallVector<AllocaInst *, 32> Merged;
  for (Instruction &I : F.getEntryBlock())
    if (auto *AI = dyn_cast<AllocaInst>(&I); AI && Frame.holds(AI))
      Merged.push_back(AI);
  // Per block, the address made there for the variable being rewritten (the number of the
  // variable tells a stale entry: no clearing between variables, which would cost a pass over
  // the blocks for each variable).
  DenseMap<BasicBlock *, std::pair<unsigned, Value *>> InBlock;
  unsigned Variable = 0;
  for (AllocaInst *AI : Merged) {
    ++Variable;
    // Unnamed: a name is uniqued in the function's symbol table, for nothing at tier 0.
    Constant *Offset = ConstantInt::get(Type::getInt64Ty(C), Frame.Offset.lookup(AI));
    SmallVector<Use *, 16> Uses;
    for (Use &U : AI->uses())
      Uses.push_back(&U);
    for (Use *U : Uses) {
      auto *User = cast<Instruction>(U->getUser());
      // Lifetime markers only help stack colouring, which -O0 does not do.
      if (auto *II = dyn_cast<IntrinsicInst>(User); II && II->isLifetimeStartOrEnd()) {
        II->eraseFromParent();
        continue;
      }
      auto *P = dyn_cast<PHINode>(User);
      BasicBlock *BB = P ? P->getIncomingBlock(*U) : User->getParent();
      // One address per variable and block, at the block's top (after the frame block itself in
      // the entry block): the uses below it fold it into their accesses all the same.
      auto &Entry = InBlock[BB];
      if (Entry.first != Variable) {
        BasicBlock::iterator At =
            BB == Block->getParent() ? std::next(Block->getIterator()) : BB->getFirstInsertionPt();
        bool Top = At != BB->end();
        if (!Top) // No room at the top (a catchswitch block): next to the use.
          At = P ? BB->getTerminator()->getIterator() : User->getIterator();
        auto *G = GetElementPtrInst::CreateInBounds(I8, Block, {Offset});
        G->insertBefore(At);
        U->set(G);
        if (Top)
          Entry = {Variable, G};
        continue;
      }
      U->set(Entry.second);
    }
    AI->eraseFromParent();
  }
}

// The values live on entry to each block of `Headers`: arguments and instructions with a use that
// a path from the header reaches without passing their definition (a phi's use sits at the end of
// its incoming block). A backward dataflow over bit vectors, one bit per value used outside its
// own block: values used only there, as most of `-O0` code's are, cost nothing, and a variable
// used all over a function of thousands of blocks costs a bit per block, not a walk per use.
DenseMap<const BasicBlock *, SmallPtrSet<const Value *, 16>>
liveOnEntry(Function &F, const SmallPtrSetImpl<const BasicBlock *> &Headers) {
  DenseMap<const BasicBlock *, SmallPtrSet<const Value *, 16>> LiveIn;
  // The block where a use needs its value: a phi's incoming block, else the user's block.
  auto useBlock = [](const Use &U) -> const BasicBlock * {
    auto *I = cast<Instruction>(U.getUser());
    auto *P = dyn_cast<PHINode>(I);
    return P ? P->getIncomingBlock(U) : I->getParent();
  };
  // Number the values that are needed in a block other than their own.
  std::vector<const Value *> Values;
  auto consider = [&](const Value *V, const BasicBlock *Def) {
    for (const Use &U : V->uses())
      if (isa<Instruction>(U.getUser()) && useBlock(U) != Def) {
        Values.push_back(V);
        return;
      }
  };
  for (const Argument &A : F.args())
    consider(&A, nullptr);
  for (const BasicBlock &BB : F)
    for (const Instruction &I : BB)
      if (!I.getType()->isVoidTy())
        consider(&I, &BB);
  if (Values.empty() || Headers.empty())
    return LiveIn;
  // Per block: Gen, the values it needs from elsewhere; Def, those it defines; In, the result.
  DenseMap<const BasicBlock *, unsigned> Number;
  std::vector<const BasicBlock *> Blocks;
  for (const BasicBlock &BB : F) {
    Number[&BB] = Blocks.size();
    Blocks.push_back(&BB);
  }
  unsigned N = Values.size();
  std::vector<BitVector> Gen(Blocks.size(), BitVector(N)), Def(Blocks.size(), BitVector(N)),
      In(Blocks.size(), BitVector(N));
  for (unsigned V = 0; V < N; ++V) {
    const BasicBlock *DefBlock = nullptr;
    if (auto *I = dyn_cast<Instruction>(Values[V])) {
      DefBlock = I->getParent();
      Def[Number[DefBlock]].set(V);
    }
    for (const Use &U : Values[V]->uses())
      if (isa<Instruction>(U.getUser()))
        if (const BasicBlock *B = useBlock(U); B != DefBlock)
          Gen[Number[B]].set(V);
  }
  // In = Gen | (union of the successors' In) - Def, to a fixed point; blocks are visited last to
  // first, which follows the flow backwards in most functions' layout.
  BitVector Out(N);
  for (bool Changed = true; Changed;) {
    Changed = false;
    for (unsigned B = Blocks.size(); B-- > 0;) {
      Out.reset();
      for (const BasicBlock *S : successors(Blocks[B]))
        Out |= In[Number[S]];
      Out.reset(Def[B]);
      Out |= Gen[B];
      if (Out != In[B]) {
        In[B] = Out;
        Changed = true;
      }
    }
  }
  for (const BasicBlock *H : Headers) {
    auto &Set = LiveIn[H];
    for (unsigned V : In[Number[H]].set_bits())
      Set.insert(Values[V]);
  }
  return LiveIn;
}

// The values a continuation entered at `H` needs: the header's phis, and the arguments and
// instructions defined in blocks strictly dominating `H` that are live on entry to it (`LiveIn`,
// see liveOnEntry). Values used after `H` only once redefined on an outer loop's path are not
// passed: tier-0 code would have to keep each of them in a stack slot of its own, at every
// iteration, for the transfer call. False when one cannot be passed.
bool osrLiveValues(Function &F, BasicBlock *H, DominatorTree &DT,
                   const SmallPtrSetImpl<const Value *> &LiveIn, std::vector<Value *> &Live) {
  if (H->isEHPad())
    return false;
  auto passable = [](const Value *V) {
    Type *T = V->getType();
    return !(T->isTokenTy() || T->isX86_AMXTy() || T->isMetadataTy() || T->isLabelTy());
  };
  for (Argument &A : F.args())
    if (LiveIn.count(&A)) {
      if (!passable(&A))
        return false;
      Live.push_back(&A);
    }
  for (BasicBlock &BB : F) {
    if (&BB == H) {
      for (PHINode &P : H->phis()) {
        if (!passable(&P))
          return false;
        Live.push_back(&P);
      }
      continue;
    }
    if (!DT.properlyDominates(&BB, H))
      continue;
    for (Instruction &I : BB)
      if (LiveIn.count(&I)) {
        if (!passable(&I))
          return false;
        Live.push_back(&I);
      }
  }
  // A stack pointer saved before the loop (a VLA's scope) and restored in it would move the
  // continuation's stack into the tier-0 frame.
  for (const Value *V : Live)
    if (auto *II = dyn_cast<IntrinsicInst>(V); II && II->getIntrinsicID() == Intrinsic::stacksave)
      return false;
  // va_start cannot live in the continuation, which is not variadic.
  if (F.isVarArg()) {
    SmallPtrSet<const BasicBlock *, 32> Reach;
    SmallVector<BasicBlock *, 32> Work{H};
    Reach.insert(H);
    while (!Work.empty()) {
      BasicBlock *B = Work.pop_back_val();
      for (BasicBlock *S : successors(B))
        if (Reach.insert(S).second)
          Work.push_back(S);
    }
    for (const BasicBlock *B : Reach)
      for (const Instruction &I : *B)
        if (auto *II = dyn_cast<IntrinsicInst>(&I);
            II && II->getIntrinsicID() == Intrinsic::vastart)
          return false;
  }
  return true;
}

std::vector<OsrSite> osrSites(Function &F, DominatorTree &DT, LoopInfo &LI) {
  std::vector<OsrSite> Sites;
  bool FunctionOk = osrFunctionEligible(F);
  OsrFrame Frame = osrFrame(F);
  SmallPtrSet<const BasicBlock *, 16> Headers;
  if (FunctionOk)
    for (Loop *L : LI.getLoopsInPreorder())
      Headers.insert(L->getHeader());
  DenseMap<const BasicBlock *, SmallPtrSet<const Value *, 16>> LiveIn;
  if (FunctionOk)
    LiveIn = liveOnEntry(F, Headers);
  for (Loop *L : LI.getLoopsInPreorder()) {
    OsrSite S{L->getHeader(), {}, FunctionOk};
    // A back edge from an indirect branch cannot take the count (its edge cannot be split).
    for (BasicBlock *P : predecessors(S.Header))
      if (isa<IndirectBrInst>(P->getTerminator()))
        S.Eligible = false;
    if (S.Eligible)
      S.Eligible = osrLiveValues(F, S.Header, DT, LiveIn[S.Header], S.Live);
    for (const Value *V : S.Live) {
      SmallPtrSet<const Value *, 8> Seen;
      if (S.Eligible && fromBlockTable(V, F, Seen))
        S.Eligible = false;
    }
    // Each parameter is an argument of the transfer call.
    if (S.Eligible && osrParams(S, Frame).size() > 250)
      S.Eligible = false;
    if (!S.Eligible)
      S.Live.clear();
    Sites.push_back(std::move(S));
  }
  return Sites;
}

// Whether a call of `Callee` may keep its parameter `ArgNo` beyond the call: copy it to memory
// that outlives the call, return it, or hand it to a function that may. Written for -O0 code,
// which first stores each parameter into a variable of its own (`%p.addr`) and loads it from
// there: a store into a variable of the callee's frame whose address only loads and stores
// use is followed through that variable's loads. Calls are followed `Depth` levels down; a
// callee without a body in this module (the C library, another module of a bundle), or whose
// body the linker may replace (weak), is assumed to keep the pointer, as is anything not
// understood. `Budget` bounds the uses looked at in all. (A recursive call back into a
// parameter under study adds nothing: any way the pointer is kept is found along a path
// without the cycle.)
bool parameterMayBeKept(const Function *Callee, unsigned ArgNo, unsigned Depth,
                        SmallPtrSetImpl<const Argument *> &Studied, unsigned &Budget) {
  if (!Callee || Callee->isDeclaration() || Callee->isInterposable() ||
      ArgNo >= Callee->arg_size() || Depth == 0)
    return true;
  // The program's module is read lazily: a body not read yet has no instructions, so its
  // parameters would seem unused. (Reading it changes no meaning; imports read bodies the same.)
  if (Error E = const_cast<Function *>(Callee)->materialize()) {
    consumeError(std::move(E));
    return true;
  }
  const Argument *A = Callee->getArg(ArgNo);
  if (!Studied.insert(A).second)
    return false;
  SmallVector<const Value *, 16> Work{A};
  SmallPtrSet<const Value *, 16> Seen{A};
  auto follow = [&](const Value *V) {
    if (Seen.insert(V).second)
      Work.push_back(V);
  };
  // A variable of the callee's frame that only plain loads and stores go through.
  auto plainLocal = [](const Value *V) {
    auto *AI = dyn_cast<AllocaInst>(V);
    if (!AI)
      return false;
    for (const User *U : AI->users()) {
      if (isa<LoadInst>(U))
        continue;
      if (auto *S = dyn_cast<StoreInst>(U); S && S->getPointerOperand() == AI &&
                                             S->getValueOperand() != AI)
        continue;
      return false;
    }
    return true;
  };
  while (!Work.empty()) {
    const Value *V = Work.pop_back_val();
    for (const Use &Use : V->uses()) {
      if (Budget == 0)
        return true;
      --Budget;
      const User *U = Use.getUser();
      if (isa<LoadInst>(U) || isa<ICmpInst>(U))
        continue;
      if (auto *S = dyn_cast<StoreInst>(U)) {
        if (Use.getOperandNo() == StoreInst::getPointerOperandIndex())
          continue;
        const Value *Into = S->getPointerOperand();
        if (!plainLocal(Into))
          return true;
        for (const User *L : Into->users())
          if (isa<LoadInst>(L))
            follow(L);
        continue;
      }
      if (isa<GetElementPtrInst>(U) || isa<BitCastInst>(U) || isa<PHINode>(U) ||
          isa<SelectInst>(U)) {
        follow(U);
        continue;
      }
      if (auto *CB = dyn_cast<CallBase>(U)) {
        if (!CB->isArgOperand(&Use))
          return true;
        unsigned N = CB->getArgOperandNo(&Use);
        if (CB->doesNotCapture(N))
          continue;
        if (parameterMayBeKept(CB->getCalledFunction(), N, Depth - 1, Studied, Budget))
          return true;
        continue;
      }
      return true;
    }
  }
  return false;
}

// How many calls down parameterMayBeKept looks, and how many uses it looks at for one variable.
constexpr unsigned KeptDepth = 4;
constexpr unsigned KeptBudget = 4096;

// Whether an alloca's address may be seen by anything but plain loads and stores through it, and
// calls that do not keep it (see parameterMayBeKept): if not, a continuation may copy the
// variable into one of its own (and promote it). No one else holds its address when the
// continuation starts, so no one can read or write the old copy from then on.
bool addressEscapesWithin(const Value *P, unsigned &Budget) {
  for (const Use &Use : P->uses()) {
    const User *U = Use.getUser();
    if (auto *MI = dyn_cast<MemIntrinsic>(U)) {
      // A copy of the variable, or into it, or its filling: the continuation does the same
      // with its copy.
      if (MI->isVolatile() || !MI->isArgOperand(&Use) ||
          !MI->doesNotCapture(MI->getArgOperandNo(&Use)))
        return true;
      continue;
    }
    if (auto *CB = dyn_cast<CallBase>(U); CB && CB->isArgOperand(&Use) &&
                                          !isa<IntrinsicInst>(CB)) {
      SmallPtrSet<const Argument *, 8> Studied;
      if (parameterMayBeKept(CB->getCalledFunction(), CB->getArgOperandNo(&Use), KeptDepth,
                             Studied, Budget))
        return true;
      continue;
    }
    if (auto *L = dyn_cast<LoadInst>(U)) {
      if (L->isVolatile())
        return true;
      continue;
    }
    if (auto *S = dyn_cast<StoreInst>(U)) {
      if (S->getValueOperand() == P || S->isVolatile())
        return true;
      continue;
    }
    if (auto *G = dyn_cast<GetElementPtrInst>(U)) {
      if (addressEscapesWithin(G, Budget))
        return true;
      continue;
    }
    if (auto *II = dyn_cast<IntrinsicInst>(U); II && II->isLifetimeStartOrEnd())
      continue;
    return true;
  }
  return false;
}

bool addressEscapes(const Value *P) {
  unsigned Budget = KeptBudget;
  return addressEscapesWithin(P, Budget);
}

// Whether a pointer derived from alloca `AI` (through GEPs) is itself among the live values: then
// the variable must keep its identity, or the continuation would use two copies of it.
bool derivedLive(const Value *AI, const DenseMap<const Value *, unsigned> &Live) {
  for (const User *U : AI->users())
    if (auto *G = dyn_cast<GetElementPtrInst>(U))
      if (Live.count(G) || derivedLive(G, Live))
        return true;
  return false;
}

// An OSR site in tier-0 code, on each back edge of the loop whose header is `S.Header` (the
// header's count of iterations and the header's continuation):
//
//   latch:
//     ...
//     count = record.count + 1; record.count = count         ; not atomic
//     if (count < 0) goto check                              ; its top bit set
//     goto header
//   check:
//     if (record.continuation != null)
//       return record.continuation(live values...)           ; header phis: the latch's values
//     record.count &= 0x7fffffff                             ; 2^31 iterations: start again
//     __irjit_loop_restart()                                 ; see below
//     goto header
//
// with `record = &__irjit_osr_sites[Index]`, `{ ptr continuation, i32 count, i32 unit }` (the
// symbol is the unit's first record). `Params` are the continuation's parameters (see
// osrParams, with the frame block for its null entry). The runtime polls the counts, has hot
// sites' continuations compiled, stores their address, and then sets the top bit of the count
// (again, should an increment of tier-0 code undo it). So an iteration costs a load, an add, a
// store and a branch not taken: the continuation is looked at only when the bit says it is
// there. A loop that runs 2^31 times with no continuation (none wanted, or none possible) sets
// the bit by itself; its count starts again from 0 then, so that it takes the check once, not at
// every further iteration (the poller reads counts modulo 2^31, and sets the bit again should
// that store undo it just after the runtime installed a continuation).
//
// On the back edge rather than at the top of the header, nothing is counted when a loop is
// entered or left, and no block is split on the common path of a latch that ends in `br header`
// (-O0 code would spill the values that cross a new block boundary); a latch with another
// terminator (`br %c, header, exit` of a rotated loop, as in optimized IR) gets a block of its
// own on its back edge. The branch stays `jl check; jmp header`: inverted (`jge header`, one
// jump taken an iteration instead of two) sieve's tier-0 loop ran slower, 0.61 s against 0.55 s.
//
// Plain IR, not an asm goto (`addl $1, count; js check`): FastISel leaves a block that ends in an
// asm goto to SelectionDAG, and LLVM looks up each of the asm's constraints in every register
// class and sets up a new assembler parser to print it. For SQLite's one query (538 sites) that
// was 6% of all first-call compiling (callgrind: 2.62 G instructions, 2.46 G in plain IR), for an
// instruction or two per iteration that tier-0 loops do not show (interleaved runs of the loop
// benchmarks with counters on and nothing tiered up).
void instrumentOsrSite(Function &F, OsrSite &S, ArrayRef<Value *> Params,
                       ArrayRef<BasicBlock *> Latches, unsigned Index, GlobalVariable *Sites,
                       StructType *RecordTy) {
  LLVMContext &C = F.getContext();
  PointerType *Ptr = PointerType::getUnqual(C);
  Type *I32 = Type::getInt32Ty(C);
  BasicBlock *H = S.Header;
  auto field = [&](unsigned Field) {
    return ConstantExpr::getInBoundsGetElementPtr(
        RecordTy, Sites, ArrayRef<Constant *>{ConstantInt::get(Type::getInt64Ty(C), Index),
                                              ConstantInt::get(I32, Field)});
  };
  Constant *SlotP = field(0);
  Constant *CountP = field(1);
  SmallVector<Type *, 16> Types;
  for (Value *V : Params)
    Types.push_back(V->getType());
  FunctionType *ContTy = FunctionType::get(F.getReturnType(), Types, false);
  // The runtime's hook for a count that reached its top bit with no continuation: it wakes the
  // runtime's threads should they have left while the program ran tier-2 code (the runtime sets
  // the bit of every site without a continuation then, see the runtime's `quiet` module). One
  // atomic load when they have not.
  FunctionCallee Wake = F.getParent()->getOrInsertFunction(
      "__irjit_loop_restart", FunctionType::get(Type::getVoidTy(C), false));
  for (BasicBlock *Latch : Latches) {
    auto *Br = dyn_cast<BranchInst>(Latch->getTerminator());
    if (!Br || Br->isConditional()) {
      Latch = SplitBlockPredecessors(H, {Latch}, ".osr.latch");
      Br = cast<BranchInst>(Latch->getTerminator());
    }
    SmallVector<Value *, 16> Args;
    for (Value *V : Params) {
      auto *P = dyn_cast<PHINode>(V);
      Args.push_back(P && P->getParent() == H ? P->getIncomingValueForBlock(Latch) : V);
    }
    BasicBlock *Check = BasicBlock::Create(C, H->getName() + ".osr.check", &F);
    BasicBlock *Transfer = BasicBlock::Create(C, H->getName() + ".osr", &F);
    BasicBlock *Restart = BasicBlock::Create(C, H->getName() + ".osr.restart", &F);
    for (PHINode &P : H->phis())
      P.addIncoming(P.getIncomingValueForBlock(Latch), Restart);
    IRBuilder<> IRB(Br);
    Value *Count = IRB.CreateAdd(IRB.CreateLoad(I32, CountP), ConstantInt::get(I32, 1));
    IRB.CreateStore(Count, CountP);
    IRB.CreateCondBr(IRB.CreateICmpSLT(Count, ConstantInt::get(I32, 0)), Check, H);
    Br->eraseFromParent();
    IRBuilder<> CB(Check);
    Value *Target = CB.CreateLoad(Ptr, SlotP);
    CB.CreateCondBr(CB.CreateICmpNE(Target, ConstantPointerNull::get(Ptr)), Transfer, Restart);
    IRBuilder<> RB(Restart);
    // The count loaded again, not the latch's: a value used in another block would be spilled
    // to the stack on every iteration by -O0 code generation.
    RB.CreateStore(RB.CreateAnd(RB.CreateLoad(I32, CountP), ConstantInt::get(I32, 0x7fffffff)),
                   CountP);
    RB.CreateCall(Wake);
    RB.CreateBr(H);
    IRBuilder<> TB(Transfer);
    CallInst *Call = TB.CreateCall(ContTy, Target, Args);
    // FastISel computes every argument before it stores those passed on the stack, and with more
    // of them than caller-saved registers it takes callee-saved ones, which the function then saves
    // and restores at every call, loop taken or not. It leaves a call marked `nocf_check` to
    // SelectionDAG, which stores each as it computes it. (The mark only matters under CET's
    // cf-protection, where it spares the continuation an ENDBR.) Only for small functions' few
    // arguments: a big function's saves cost little beside its body, and SelectionDAG would take
    // longer over its calls of hundreds of arguments. Nor for calls of a few arguments (most
    // sites of -O0 code pass the frame block alone), which FastISel keeps in caller-saved
    // registers: SelectionDAG costs about 0.2 M instructions of compile time per call.
    if (Args.size() > 4 && Args.size() <= 16)
      Call->addFnAttr(Attribute::NoCfCheck);
    if (F.getReturnType()->isVoidTy())
      TB.CreateRetVoid();
    else
      TB.CreateRet(Call);
  }
}

// Name of the table, in a tier-0 object with OSR sites, of each site's nearest enclosing loop
// that is an eligible site (its number), or ~0: a local symbol, read by the runtime when it
// links the object. A continuation entered at an inner loop's header makes every loop around it
// a loop entered in its middle, which the optimizer cannot treat as a loop nest (mandelbrot's
// pixel loop entered so ran 10% slower than its function's own tier-2 code); the runtime uses the
// table to enter at an outer loop instead when that loop iterates often enough.
constexpr const char *OsrNestSymbol = "__irjit_osr_nest";

void recordOsrNest(Module &M, LoopInfo &LI, const std::vector<OsrSite> &Sites) {
  SmallVector<Loop *, 16> Loops = LI.getLoopsInPreorder();
  DenseMap<const Loop *, unsigned> Index;
  for (unsigned I = 0; I < Loops.size(); ++I)
    Index[Loops[I]] = I;
  SmallVector<uint32_t, 16> Nest(Loops.size(), ~0u);
  for (unsigned I = 0; I < Loops.size(); ++I)
    for (const Loop *P = Loops[I]->getParentLoop(); P; P = P->getParentLoop())
      if (unsigned J = Index.lookup(P); Sites[J].Eligible) {
        Nest[I] = J;
        break;
      }
  Constant *Init = ConstantDataArray::get(M.getContext(), ArrayRef<uint32_t>(Nest));
  auto *GV = new GlobalVariable(M, Init->getType(), true, GlobalValue::InternalLinkage, Init,
                                OsrNestSymbol);
  appendToCompilerUsed(M, {GV});
}

// Adds counters to the function: `__irjit_counter += 1` at entry (after the entry block's
// allocas), and `__irjit_loop_counter += 1` at each loop header (after its PHIs) that is not an
// OSR site. Entries are counted apart from iterations so that the runtime can tell a call that
// stays in its loops (OSR helps) from many short calls (a tier-2 entry helps). No branch and no
// call: splitting blocks would make -O0 code spill around every new block boundary. A load, an
// add and a store, where an inline asm would make one `addl $1, __irjit_counter(%rip)`: the
// assembler's parser, set up anew for each asm statement, made sqlite's tier-0 compile about a
// tenth slower (a noisy measurement), to save two instructions a call. The runtime owns the counter
// arrays, resolves both names to the unit's slots when it links the object (so the object
// does not depend on the unit's number and can be cached), and polls the array to find hot
// functions. With OSR on, loops are OSR sites instead (see above), each with a count of its own.
void instrument(Function &F, IrjitUnitOptions &Opts) {
  Module &M = *F.getParent();
  LLVMContext &C = M.getContext();
  Type *I32 = Type::getInt32Ty(C);
  auto *Counters = cast<GlobalVariable>(M.getOrInsertGlobal("__irjit_counter", I32));
  Counters->setVisibility(GlobalValue::HiddenVisibility);
  Counters->setDSOLocal(true);

  DominatorTree DT(F);
  LoopInfo LI(DT);
  std::vector<OsrSite> Sites;
  if (Opts.OsrLimit)
    Sites = osrSites(F, DT, LI);
  bool Osr = !Sites.empty() && Sites.size() <= Opts.OsrLimit;
  Opts.OsrSitesOut = Osr ? Sites.size() : 0;

  SmallVector<Instruction *, 8> Points;
  Instruction *AfterAllocas = &*F.getEntryBlock().getFirstInsertionPt();
  while (isa<AllocaInst>(AfterAllocas))
    AfterAllocas = AfterAllocas->getNextNode();
  // Back edges are found before any is split.
  std::vector<SmallVector<BasicBlock *, 2>> Latches(Sites.size());
  unsigned K = 0;
  for (Loop *L : LI.getLoopsInPreorder()) {
    unsigned Index = K++;
    bool Site = Osr && Sites[Index].Eligible;
    BasicBlock::iterator At = L->getHeader()->getFirstInsertionPt();
    if (Site)
      L->getLoopLatches(Latches[Index]);
    else if (At != L->getHeader()->end())
      Points.push_back(&*At);
  }
  auto count = [&](Instruction *At, GlobalVariable *Counter) {
    IRBuilder<> IRB(At);
    IRB.CreateStore(IRB.CreateAdd(IRB.CreateLoad(I32, Counter), ConstantInt::get(I32, 1)),
                    Counter);
  };
  count(AfterAllocas, Counters);
  if (!Points.empty()) {
    auto *Loops = cast<GlobalVariable>(M.getOrInsertGlobal("__irjit_loop_counter", I32));
    Loops->setVisibility(GlobalValue::HiddenVisibility);
    Loops->setDSOLocal(true);
    for (Instruction *At : Points)
      count(At, Loops);
  }
  OsrFrame Frame;
  AllocaInst *Block = nullptr;
  if (Osr) {
    PointerType *Ptr = PointerType::getUnqual(C);
    StructType *RecordTy = StructType::get(C, {Ptr, I32, I32});
    auto *SitesGV = cast<GlobalVariable>(
        M.getOrInsertGlobal("__irjit_osr_sites", ArrayType::get(RecordTy, 0)));
    SitesGV->setVisibility(GlobalValue::HiddenVisibility);
    SitesGV->setDSOLocal(true);
    // The variables go into one frame block (see OsrFrame) once the transfers pass its address.
    Frame = osrFrame(F);
    bool AnyEligible = llvm::any_of(Sites, [](const OsrSite &S) { return S.Eligible; });
    if (AnyEligible && !Frame.Offset.empty()) {
      Block = new AllocaInst(ArrayType::get(Type::getInt8Ty(C), Frame.Size),
                             M.getDataLayout().getAllocaAddrSpace(), nullptr, Frame.Alignment,
                             "irjit.frame", &*F.getEntryBlock().getFirstInsertionPt());
    }
    recordOsrNest(M, LI, Sites);
    for (unsigned I = 0; I < Sites.size(); ++I) {
      if (!Sites[I].Eligible)
        continue;
      SmallVector<Value *, 16> Params = osrParams(Sites[I], Frame);
      if (!Params.empty() && !Params.front())
        Params.front() = Block;
      instrumentOsrSite(F, Sites[I], Params, Latches[I], I, SitesGV, RecordTy);
    }
  }
  // Last: it erases lifetime markers, which may be among the insertion points above.
  if (Block)
    mergeFrame(F, Frame, Block);
}

// The string attribute the splitter gives functions that were static (internal or private) in
// their source, before it renames them and makes them external.
constexpr const char *LocalAttr = "irjit-local";

// Callees of static callees' copies are imported down to this depth, whatever the unit options.
constexpr unsigned PrivateImportDepth = 4;

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

namespace {

// Instructions of `G` and of the static functions it calls, down to `Levels` levels of calls
// (those a private copy of G brings along, see declareImports); functions already in the unit
// and those too big to import do not count.
unsigned staticClosureSize(UnitBuilder &B, Function &G, unsigned Levels, unsigned MaxSize) {
  SmallPtrSet<Function *, 16> Seen{&G};
  SmallVector<std::pair<Function *, unsigned>, 16> Work{{&G, 0}};
  unsigned Size = 0;
  for (size_t W = 0; W < Work.size(); ++W) {
    auto [H, Depth] = Work[W];
    Size += H->getInstructionCount();
    if (Depth + 1 >= Levels)
      continue;
    for (Instruction &I : instructions(*H)) {
      auto *CB = dyn_cast<CallBase>(&I);
      Function *C = CB ? CB->getCalledFunction() : nullptr;
      if (!C || B.VMap.count(C) || !C->hasFnAttribute(LocalAttr) || !Seen.insert(C).second)
        continue;
      if (C->isDeclaration() || C->hasAvailableExternallyLinkage())
        continue;
      if (Error E = C->materialize()) {
        consumeError(std::move(E));
        continue;
      }
      if (importable(*C, MaxSize))
        Work.push_back({C, Depth + 1});
    }
  }
  return Size;
}

// Declares the small callees of `F` worth copying into its unit for inlining (as
// available_externally, or as private copies for functions that were static), before F's body is
// visited, so that F's calls map to the copies. Callees of imported callees are imported too,
// down to `Opts.ImportDepth` levels (more below static callees; breadth first, so nearer callees
// come first), within `Opts.MaxImports` functions and `Opts.ImportBudget` instructions in all:
// once a callee is inlined its own calls are the caller's.
void declareImports(UnitBuilder &B, Function &F, const IrjitUnitOptions &Opts,
                    SmallVectorImpl<std::pair<Function *, Function *>> &Imports) {
  if (!Opts.MaxImports)
    return;
  unsigned Budget = Opts.ImportBudget;
  struct Item {
    Function *Caller;
    unsigned Depth;
    bool PrivateCopy;
  };
  SmallVector<Item, 32> Work{{&F, 0, false}};
  for (size_t W = 0; W < Work.size(); ++W) {
    auto [Caller, Depth, PrivateCopy] = Work[W];
    // A static callee's private copy is likely inlined (see below), its calls then being the
    // caller's: its callees come too, as a native build would have them at hand in the same file.
    unsigned Limit = std::max(Opts.ImportDepth, 1u);
    if (PrivateCopy)
      Limit = std::max(Limit, PrivateImportDepth);
    if (Depth >= Limit)
      continue;
    for (Instruction &I : instructions(*Caller)) {
      auto *CB = dyn_cast<CallBase>(&I);
      Function *G = CB ? CB->getCalledFunction() : nullptr;
      if (!G || G == &F || B.VMap.count(G) || Imports.size() >= Opts.MaxImports)
        continue;
      if (G->isDeclaration() || G->hasAvailableExternallyLinkage())
        continue;
      if (Error E = G->materialize()) {
        consumeError(std::move(E));
        continue;
      }
      if (!importable(*G, std::min(Opts.ImportSize, Budget)))
        continue;
      // A function that was static in its source gets a private copy: like a native build, the
      // inliner then knows every call to it (and inlines a single call whatever its size). Only
      // when its static callees fit too: inlined without them, it would call through stubs what
      // its own unit inlines.
      bool Private = G->hasFnAttribute(LocalAttr) &&
                     staticClosureSize(B, *G, PrivateImportDepth - Depth, Opts.ImportSize) <= Budget;
      Budget -= G->getInstructionCount();
      stripDebugInfo(*G);
      auto Linkage =
          Private ? GlobalValue::InternalLinkage : GlobalValue::AvailableExternallyLinkage;
      Function *NG = Function::Create(G->getFunctionType(), Linkage, G->getAddressSpace(),
                                      Private ? G->getName() + ".irjit.inl" : G->getName(),
                                      &B.Dst);
      NG->copyAttributesFrom(G);
      NG->setLinkage(Linkage);
      NG->setVisibility(GlobalValue::DefaultVisibility);
      NG->setPersonalityFn(nullptr);
      NG->setPrefixData(nullptr);
      NG->setPrologueData(nullptr);
      NG->setComdat(nullptr);
      B.VMap[G] = NG;
      Imports.push_back({G, NG});
      Work.push_back({G, Depth + 1, Private});
    }
  }
}

// After the unit's bodies are copied: a private copy of a static callee (see declareImports)
// stands for the function in direct calls only. Any other use takes its address, which must be
// the function's own (its stub, the address every other unit sees), so it goes to a declaration.
void keepAddressIdentity(UnitBuilder &B,
                         ArrayRef<std::pair<Function *, Function *>> Imports) {
  for (auto [G, NG] : Imports) {
    if (!NG->hasLocalLinkage())
      continue;
    SmallVector<Use *, 4> InstUses;
    SmallSetVector<Constant *, 4> ConstUsers;
    for (Use &U : NG->uses()) {
      auto *CB = dyn_cast<CallBase>(U.getUser());
      if (CB && CB->isCallee(&U))
        continue;
      if (auto *C = dyn_cast<Constant>(U.getUser()); C && !isa<GlobalValue>(C))
        ConstUsers.insert(C);
      else
        InstUses.push_back(&U);
    }
    if (InstUses.empty() && ConstUsers.empty())
      continue;
    Function *Decl = Function::Create(G->getFunctionType(), GlobalValue::ExternalLinkage,
                                      G->getAddressSpace(), G->getName(), &B.Dst);
    Decl->setAttributes(G->getAttributes());
    Decl->setCallingConv(G->getCallingConv());
    Decl->setVisibility(G->getVisibility());
    Decl->setDSOLocal(G->isDSOLocal());
    Decl->setUnnamedAddr(G->getUnnamedAddr());
    for (Use *U : InstUses)
      U->set(Decl);
    for (Constant *C : ConstUsers)
      C->handleOperandChange(NG, Decl);
  }
}

// Copies `From`'s body into `To` (in the unit's module), through the builder's value map.
void cloneBody(UnitBuilder &B, Function &From, Function &To) {
  auto DestArg = To.arg_begin();
  for (const Argument &A : From.args()) {
    DestArg->setName(A.getName());
    B.VMap[&A] = &*DestArg++;
  }
  SmallVector<ReturnInst *, 8> Returns;
  CloneFunctionInto(&To, &From, B.VMap, CloneFunctionChangeType::DifferentModule, Returns);
  // Cloning copies `From`'s visibility (hidden, as every definition of the split program); a
  // private copy (an import of a static callee) must keep the default one local symbols have.
  if (To.hasLocalLinkage())
    To.setVisibility(GlobalValue::DefaultVisibility);
}

// Builds the unit of the OSR continuation of `F`'s loop sites `SiteIds` (the first names it): a
// function `F.irjit.osr.N` per site N, taking the values live at its loop header (see
// osrLiveValues) and running the rest of F from there. With one site that function is the
// continuation itself. With several, one body serves them all, so that a function with several
// hot loops (an interpreter whose calls and returns are loops of their own) is compiled once:
// `F.irjit.osr.N.body` takes the site's number and the union of the sites' parameters, and
// each `F.irjit.osr.N` calls it with its own in their places (zero for the others).
//
// With `WithFunction`, the body has one more entry, F's own (number `FunctionEntry`, taking F's
// arguments in their places), and the unit also defines F as a call of it: one compile of a
// large function (Lua's luaV_execute: 0.4-0.5 s each) gives both its tier-2 code, for new calls,
// and the continuation, for the call running tier-0 code. Then the entry block stays reachable;
// its static allocas move into the body's new entry block, where the optimizer promotes them.
//
// The body's new entry blocks (one per site, behind a switch on the site's number) feed the
// live values in: as incoming values of the header's phis, or merged (SSAUpdater) with the
// cloned definitions they stand for. Variables whose address never escapes are copied into
// variables of the continuation, which the optimizer promotes to registers; the others keep
// their identity (their tier-0 frame stays alive below the continuation, which returns into
// it). The code before the loops becomes unreachable and goes.
LLVMModuleRef buildOsrContinuation(Module &Src, Function &F, ArrayRef<unsigned> SiteIds,
                                   ArrayRef<GlobalVariable *> Owned, bool WithFunction,
                                   const IrjitUnitOptions &Opts, char **err) {
  LLVMContext &C = Src.getContext();
  DominatorTree DT(F);
  LoopInfo LI(DT);
  std::vector<OsrSite> Sites = osrSites(F, DT, LI);
  for (unsigned Site : SiteIds)
    if (Site >= Sites.size() || !Sites[Site].Eligible) {
      *err = message("function '" + F.getName().str() + "' has no OSR entry at loop " +
                     std::to_string(Site));
      return nullptr;
    }
  const bool Multi = SiteIds.size() > 1 || WithFunction;
  const unsigned FunctionEntry = ~0u;
  auto siteName = [&](unsigned Site) {
    return F.getName().str() + ".irjit.osr." + std::to_string(Site);
  };
  std::string Name = siteName(SiteIds[0]);
  auto Dst = std::make_unique<Module>(Name, C);
  copyModuleHeader(Src, *Dst);
  UnitBuilder B(Src, *Dst);
  B.ConstantInitializers = Opts.MaxImports != 0;
  B.declare(&F);
  // The variables living with F (their initializers name its blocks: dispatch tables, constant
  // as osrFunctionEligible requires) get private copies naming the continuation's blocks.
  SmallVector<GlobalVariable *, 2> Tables;
  for (GlobalVariable *V : Owned) {
    GlobalVariable *NV = B.defineVariableShell(*V);
    NV->setLinkage(GlobalValue::PrivateLinkage);
    NV->setVisibility(GlobalValue::DefaultVisibility);
    NV->setComdat(nullptr);
    Tables.push_back(NV);
  }
  SmallVector<std::pair<Function *, Function *>, 8> Imports;
  declareImports(B, F, Opts, Imports);
  for (GlobalVariable *V : Owned)
    B.visitConstant(V->getInitializer());
  B.visitFunctionBody(F);
  for (auto [G, NG] : Imports)
    B.visitFunctionBody(*G);
  if (!B.Error.empty()) {
    *err = message(B.Error);
    return nullptr;
  }

  // Each site's parameters (see osrParams: the tier-0 frame block first if used, a null entry,
  // then the other live values), and the body's: the site's number when there are several,
  // then the union of the sites' parameters, in order of first appearance. `Param` numbers
  // the body's parameters, `Position` each site's live values (for derivedLive).
  OsrFrame Frame = osrFrame(F);
  SmallVector<SmallVector<Value *, 16>, 2> SiteParams;
  SmallVector<Value *, 16> Params;
  SmallVector<Type *, 16> Types;
  DenseMap<const Value *, unsigned> Param;
  bool FrameParam = false;
  unsigned FrameIndex = 0;
  if (Multi)
    Types.push_back(Type::getInt32Ty(C));
  if (WithFunction)
    for (Argument &A : F.args()) {
      Param[&A] = Types.size();
      Params.push_back(&A);
      Types.push_back(A.getType());
    }
  for (unsigned Site : SiteIds) {
    SiteParams.push_back(osrParams(Sites[Site], Frame));
    for (Value *V : SiteParams.back()) {
      if (!V) {
        if (!FrameParam) {
          FrameParam = true;
          FrameIndex = Types.size();
          Params.push_back(nullptr);
          Types.push_back(PointerType::getUnqual(C));
        }
        continue;
      }
      if (Param.count(V))
        continue;
      Param[V] = Types.size();
      Params.push_back(V);
      Types.push_back(V->getType());
    }
  }
  FunctionType *ContTy = FunctionType::get(F.getReturnType(), Types, false);
  Function *NF =
      Function::Create(ContTy, GlobalValue::ExternalLinkage, F.getAddressSpace(),
                       Multi ? Name + ".body" : Name, Dst.get());
  for (Argument &A : F.args()) {
    auto It = Param.find(&A);
    B.VMap[&A] = It != Param.end() ? static_cast<Value *>(NF->getArg(It->second))
                                   : PoisonValue::get(A.getType());
  }
  SmallVector<ReturnInst *, 8> Returns;
  CloneFunctionInto(NF, &F, B.VMap, CloneFunctionChangeType::DifferentModule, Returns);
  // F's function and return attributes; none of its parameters' (byval, sret... are F's ABI).
  AttributeList Attrs = F.getAttributes();
  AttributeList ContAttrs = AttributeList::get(C, Attrs.getFnAttrs(), Attrs.getRetAttrs(), {});
  NF->setAttributes(ContAttrs);
  NF->removeFnAttr(Attribute::AllocSize);
  NF->setComdat(nullptr);
  if (Multi) {
    // One copy, however many sites enter it.
    NF->setLinkage(GlobalValue::InternalLinkage);
    NF->addFnAttr(Attribute::NoInline);
  } else {
    NF->setLinkage(GlobalValue::ExternalLinkage);
    NF->setVisibility(GlobalValue::HiddenVisibility);
    NF->setDSOLocal(true);
  }
  for (unsigned I = Multi ? 1 : 0; I < Params.size() + (Multi ? 1 : 0); ++I) {
    Value *V = Params[I - (Multi ? 1 : 0)];
    NF->getArg(I)->setName(V ? V->getName() + ".osr" : "frame.osr");
  }
  if (Multi)
    NF->getArg(0)->setName("site.osr");

  // The entry blocks: with several sites a switch on the site's number, then one block per
  // site branching to its header. The edges into the headers exist before any SSA rewriting,
  // which must see them.
  BasicBlock *OldEntry = &NF->getEntryBlock();
  BasicBlock *Dispatch = BasicBlock::Create(C, "osr.entry", NF, OldEntry);
  SmallVector<BasicBlock *, 2> Entries;
  for (unsigned K = 0; K < SiteIds.size(); ++K) {
    BasicBlock *E =
        Multi ? BasicBlock::Create(C, "osr.entry." + std::to_string(SiteIds[K]), NF, OldEntry)
              : Dispatch;
    BranchInst::Create(cast<BasicBlock>(B.VMap[Sites[SiteIds[K]].Header]), E);
    Entries.push_back(E);
  }
  IRBuilder<> DB(C);
  if (Multi) {
    DB.SetInsertPoint(Dispatch);
    SwitchInst *Sw = DB.CreateSwitch(NF->getArg(0), Entries[0], SiteIds.size() - 1);
    for (unsigned K = 1; K < SiteIds.size(); ++K)
      Sw->addCase(DB.getInt32(SiteIds[K]), Entries[K]);
    if (WithFunction) {
      BasicBlock *FunctionStart = BasicBlock::Create(C, "function.entry", NF, OldEntry);
      BranchInst::Create(OldEntry, FunctionStart);
      Sw->addCase(DB.getInt32(FunctionEntry), FunctionStart);
    }
    DB.SetInsertPoint(Sw);
  } else {
    DB.SetInsertPoint(Dispatch->getTerminator());
  }
  const DataLayout &DL = Dst->getDataLayout();
  // The headers' phis first: SSAUpdater takes a block's predecessors from its phis.
  for (unsigned K = 0; K < SiteIds.size(); ++K) {
    const OsrSite &S = Sites[SiteIds[K]];
    for (Value *V : S.Live)
      if (auto *P = dyn_cast<PHINode>(V); P && P->getParent() == S.Header)
        cast<PHINode>(B.VMap[P])->addIncoming(NF->getArg(Param.lookup(P)), Entries[K]);
  }
  // Every other live value, with the entries where it comes in.
  SmallVector<Value *, 32> Order;
  DenseMap<Value *, SmallVector<std::pair<unsigned, Value *>, 2>> Incoming;
  DenseMap<Value *, AllocaInst *> Locals;
  DenseMap<Value *, Value *> FrameAddress;
  for (unsigned K = 0; K < SiteIds.size(); ++K) {
    const OsrSite &S = Sites[SiteIds[K]];
    DenseMap<const Value *, unsigned> Position;
    for (Value *V : S.Live)
      Position[V] = Position.size();
    IRBuilder<> EB(Entries[K]->getTerminator());
    for (Value *V : S.Live) {
      if (isa<Argument>(V) || (isa<PHINode>(V) && cast<PHINode>(V)->getParent() == S.Header))
        continue;
      // A variable of the frame block is at its offset from the block's address (computed once,
      // in the first block, so that every entry brings the same value in).
      Value *In;
      if (Frame.holds(V)) {
        Value *&Address = FrameAddress[V];
        if (!Address)
          Address = DB.CreateConstInBoundsGEP1_64(Type::getInt8Ty(C), NF->getArg(FrameIndex),
                                                  Frame.Offset.lookup(V), V->getName() + ".osr");
        In = Address;
      } else {
        In = NF->getArg(Param.lookup(V));
      }
      Value *Value = In;
      auto *AI = dyn_cast<AllocaInst>(V);
      if (AI && AI->isStaticAlloca() && !addressEscapes(AI) && !derivedLive(AI, Position)) {
        // One copy for all the entries (allocated in the first block, filled in each).
        AllocaInst *&Local = Locals[V];
        if (!Local) {
          Local = DB.CreateAlloca(AI->getAllocatedType(), AI->getArraySize(),
                                  AI->getName() + ".osr.local");
          Local->setAlignment(AI->getAlign());
        }
        uint64_t Count = cast<ConstantInt>(AI->getArraySize())->getZExtValue();
        uint64_t Size = DL.getTypeAllocSize(AI->getAllocatedType()) * Count;
        EB.CreateMemCpy(Local, AI->getAlign(), In, AI->getAlign(), Size);
        Value = Local;
      }
      auto &In_ = Incoming[V];
      if (In_.empty())
        Order.push_back(V);
      In_.push_back({K, Value});
    }
  }
  // The blocks the continuation runs. A definition outside them (a variable of F's entry block,
  // which -O0 code has hundreds of) never executes: where every entry brings in the same value,
  // that value replaces it everywhere, at once. SSAUpdater would search the function's blocks
  // backwards from each use instead: 0.45 s for Lua's luaV_execute, as long as optimizing it.
  df_iterator_default_set<BasicBlock *> Runs;
  for (BasicBlock *BB : depth_first_ext(Dispatch, Runs))
    (void)BB;
  for (Value *V : Order) {
    auto *Def = cast<Instruction>(B.VMap[V]);
    const auto &In = Incoming[V];
    bool Same = all_of(In, [&](const auto &P) { return P.second == In.front().second; });
    if (WithFunction) {
      // F's own entry runs the definitions. A variable every site copies into one local is
      // that local on F's path too; any other value goes through a stack slot, stored by its
      // definition and by each site's entry, which the optimizer turns back into SSA values
      // (SSAUpdater would search backwards from every use: too slow on large functions).
      auto Local = Locals.find(V);
      if (Same && Local != Locals.end() && isa<AllocaInst>(Def) &&
          In.front().second == Local->second) {
        Def->replaceAllUsesWith(Local->second);
        Def->eraseFromParent();
        continue;
      }
      AllocaInst *Slot = DemoteRegToStack(*Def, false, Dispatch->getFirstInsertionPt());
      for (auto [K, Value] : In)
        new StoreInst(Value, Slot, Entries[K]->getTerminator()->getIterator());
      continue;
    }
    if (Same && !Runs.count(Def->getParent())) {
      Def->replaceAllUsesWith(In.front().second);
      continue;
    }
    SSAUpdater SSA;
    SSA.Initialize(Def->getType(), Def->getName());
    for (auto [K, Value] : Incoming[V])
      SSA.AddAvailableValue(Entries[K], Value);
    SSA.AddAvailableValue(Def->getParent(), Def);
    SmallVector<Use *, 16> Uses;
    for (Use &U : Def->uses())
      Uses.push_back(&U);
    for (Use *U : Uses) {
      auto *User = cast<Instruction>(U->getUser());
      BasicBlock *At = User->getParent();
      if (auto *P = dyn_cast<PHINode>(User))
        At = P->getIncomingBlock(*U);
      if (At != Def->getParent())
        SSA.RewriteUse(*U);
    }
  }
  // The tables' block addresses map to the continuation's blocks (F itself stays a declaration
  // for its other uses: calls and its address). Before unreachable blocks go, so that an
  // address of one of them becomes the constant LLVM leaves for a deleted block.
  if (!Tables.empty()) {
    Value *Decl = B.VMap[&F];
    B.VMap[&F] = NF;
    for (unsigned I = 0; I < Owned.size(); ++I)
      Tables[I]->setInitializer(MapValue(Owned[I]->getInitializer(), B.VMap));
    B.VMap[&F] = Decl;
  }
  if (WithFunction) {
    // F's static allocas, behind the dispatch now, go back to the entry block.
    SmallVector<AllocaInst *, 64> Static;
    for (Instruction &I : *OldEntry)
      if (auto *AI = dyn_cast<AllocaInst>(&I); AI && isa<ConstantInt>(AI->getArraySize()))
        Static.push_back(AI);
    for (AllocaInst *AI : Static)
      AI->moveBefore(&*Dispatch->getFirstInsertionPt());
  }
  removeUnreachableBlocks(*NF);
  for (auto [G, NG] : Imports)
    cloneBody(B, *G, *NG);
  keepAddressIdentity(B, Imports);

  // Gives `Entry` a body that tail-calls the continuation's body as entry `Number`, with `Args`
  // in their places (parameter 0 is the number, which this sets) and zero for the rest: not
  // poison, for the optimizer may find a parameter `noundef` (the body uses it on some path)
  // and make a call passing poison unreachable.
  auto callBody = [&](Function *Entry, unsigned Number, SmallVector<Value *, 16> &Args) {
    Args[0] = ConstantInt::get(Type::getInt32Ty(C), Number);
    for (unsigned I = 0; I < Types.size(); ++I)
      if (!Args[I])
        Args[I] = Constant::getNullValue(Types[I]);
    IRBuilder<> TB(BasicBlock::Create(C, "entry", Entry));
    CallInst *Call = TB.CreateCall(NF, Args);
    // The body has F's convention (fastcc, for a static function of optimized bitcode); a
    // call that does not say so would be undefined, and optimized away.
    Call->setCallingConv(NF->getCallingConv());
    Call->setTailCall();
    if (F.getReturnType()->isVoidTy())
      TB.CreateRetVoid();
    else
      TB.CreateRet(Call);
  };

  if (WithFunction) {
    // F itself: a call of the body at F's entry, with F's arguments in their places.
    auto *Own = cast<Function>(B.VMap[&F]);
    Own->copyAttributesFrom(&F);
    Own->setLinkage(F.getLinkage());
    Own->setVisibility(F.getVisibility());
    Own->setDSOLocal(F.isDSOLocal());
    Own->setComdat(nullptr);
    Own->setPersonalityFn(nullptr);
    Own->setPrefixData(nullptr);
    Own->setPrologueData(nullptr);
    SmallVector<Value *, 16> Args(Types.size(), nullptr);
    for (Argument &A : F.args())
      Args[Param.lookup(&A)] = Own->getArg(A.getArgNo());
    callBody(Own, FunctionEntry, Args);
  }

  // The sites' entry points: each passes its values in their places.
  if (Multi)
    for (unsigned K = 0; K < SiteIds.size(); ++K) {
      SmallVector<Type *, 16> SiteTypes;
      for (Value *V : SiteParams[K])
        SiteTypes.push_back(V ? V->getType() : PointerType::getUnqual(C));
      Function *Entry = Function::Create(
          FunctionType::get(F.getReturnType(), SiteTypes, false), GlobalValue::ExternalLinkage,
          F.getAddressSpace(), siteName(SiteIds[K]), Dst.get());
      Entry->setAttributes(ContAttrs);
      Entry->removeFnAttr(Attribute::AllocSize);
      Entry->setVisibility(GlobalValue::HiddenVisibility);
      Entry->setDSOLocal(true);
      SmallVector<Value *, 16> Args(Types.size(), nullptr);
      for (unsigned I = 0; I < SiteParams[K].size(); ++I) {
        Value *V = SiteParams[K][I];
        Args[V ? Param.lookup(V) : FrameIndex] = Entry->getArg(I);
      }
      callBody(Entry, SiteIds[K], Args);
    }
  return wrap(Dst.release());
}

} // namespace

// Builds a module holding function `Fn` (plus the global variables in `Owned`, whose initializers
// use Fn's block addresses) and declarations of everything they reference; with options, also
// copies of small callees to inline and tier-0 counters. The source function is materialized and
// its debug info stripped.
LLVMModuleRef irjit_extract_function(LLVMModuleRef M, LLVMValueRef Fn, LLVMValueRef *Owned,
                                     unsigned NumOwned, IrjitUnitOptions *Opts, char **err) {
  Module &Src = *unwrap(M);
  Function &F = *unwrap<Function>(Fn);
  if (Error E = F.materialize()) {
    *err = message(toString(std::move(E)));
    return nullptr;
  }
  stripDebugInfo(F);
  if (Opts->OsrEntry) {
    SmallVector<GlobalVariable *, 2> OwnedVars;
    for (unsigned I = 0; I < NumOwned; ++I)
      OwnedVars.push_back(unwrap<GlobalVariable>(Owned[I]));
    SmallVector<unsigned, 4> SiteIds{Opts->OsrEntry - 1};
    for (unsigned N = 0; N < 64; ++N)
      if ((Opts->OsrEntryOthers >> N & 1) && N != Opts->OsrEntry - 1)
        SiteIds.push_back(N);
    return buildOsrContinuation(Src, F, SiteIds, OwnedVars,
                                Opts->OsrWithFunction && !F.isVarArg(), *Opts, err);
  }

  auto Dst = std::make_unique<Module>(F.getName(), Src.getContext());
  copyModuleHeader(Src, *Dst);
  UnitBuilder B(Src, *Dst);
  B.ConstantInitializers = Opts->MaxImports != 0;

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

  SmallVector<std::pair<Function *, Function *>, 8> Imports;
  declareImports(B, F, *Opts, Imports);
  for (unsigned I = 0; I < NumOwned; ++I)
    B.visitConstant(unwrap<GlobalVariable>(Owned[I])->getInitializer());
  B.visitFunctionBody(F);
  for (auto [G, NG] : Imports)
    B.visitFunctionBody(*G);
  if (!B.Error.empty()) {
    *err = message(B.Error);
    return nullptr;
  }

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
    cloneBody(B, F, *NF);
  for (auto [G, NG] : Imports)
    cloneBody(B, *G, *NG);
  keepAddressIdentity(B, Imports);

  for (unsigned I = 0; I < NumOwned; ++I) {
    auto *V = unwrap<GlobalVariable>(Owned[I]);
    OwnedVars[I]->setInitializer(MapValue(V->getInitializer(), B.VMap));
  }
  Opts->OsrSitesOut = 0;
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

// Makes `TM` never fuse a multiplication and an addition into one instruction, not even an
// `llvm.fmuladd` (which then becomes a multiplication and an addition): code for a CPU with FMA
// computes what code for one without does, whichever tier runs it and however the program was
// built natively.
void irjit_target_machine_strict_fp_fusion(LLVMTargetMachineRef TM) {
  reinterpret_cast<TargetMachine *>(TM)->Options.AllowFPOpFusion = FPOpFusion::Strict;
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
