// The RASP grammar: statements, REPL commands and expressions of the original
// implementation (tech-srl/RASP), with its operator precedence and associativity.
//
// Precedence follows the order of the `expr` alternatives (ANTLR 4 left
// recursion: an earlier alternative binds tighter; all binary forms are
// left-associative). The differences from the original's grammar are
// deliberate: a file is parsed whole, comments may appear anywhere (they go
// to the hidden channel), lists of expressions are loops rather than right
// recursion (so long lists cannot overflow the stack), and malformed
// lexemes become error tokens that the front end reports with a clear
// message. Labels avoid C++ keywords (the C++ target fails on them).
grammar RASP;

program : statement* EOF ;

statement
  : raspStatement
  | replStatement
  ;

raspStatement
  : expr ';'                                               # ExprStatement
  | idList '=' exprList ';'                                # AssignStatement
  | 'draw' '(' target=expr (',' input=expr)? ')' ';'       # DrawStatement
  | 'load' fileName=String ';'                             # LoadStatement
  | 'def' name=ID '(' idList? ')' '{' raspStatement* returnStatement '}'  # DefStatement
  | 'for' idList 'in' iterable=expr '{' raspStatement* '}' # ForStatement
  ;

returnStatement : 'return' exprList ';' ;

replStatement
  : 'set' subset=('s-op' | 'selector')? 'example' expr     # SetExample
  | 'show' subset=('s-op' | 'selector')? 'example'         # ShowExample
  | subset=('s-op' | 'selector')? 'examples' onOff=('on' | 'off')  # ToggleExamples
  | 'full seq display' onOff=('on' | 'off')                # ToggleFullSeq
  | ('exit' | 'exit()' | 'quit' | 'quit()')                # Exit
  ;

idList : ID (',' ID)* ;
exprList : expr (',' expr)* ;
dictEntry : key=expr ':' value=expr ;

expr
  : '(' inner=expr ')'                                     # Paren
  | base=expr '[' index=expr ']'                           # Index
  | callee=expr '(' exprList? ')'                          # Call
  | op=('not' | '-' | '+') operand=expr                    # Unary
  | op=('round' | 'indicator') '(' operand=expr ')'        # Builtin
  | lhs=expr op='^' rhs=expr                               # Binary
  | lhs=expr op=('*' | '/') rhs=expr                       # Binary
  | lhs=expr op='%' rhs=expr                               # Binary
  | lhs=expr op=('+' | '-') rhs=expr                       # Binary
  | lhs=expr op=('==' | '<=' | '>=' | '>' | '<') rhs=expr  # Binary
  | 'select(' keys=expr ',' queries=expr ',' cmp=('==' | '<' | '>' | '>=' | '<=' | '!=') ')'  # Select
  | lhs=expr op=('and' | 'or') rhs=expr                    # Binary
  | thenValue=expr 'if' cond=expr 'else' elseValue=expr    # Ternary
  | ID                                                     # Name
  | PosInt                                                 # IntLiteral
  | Float                                                  # FloatLiteral
  | String                                                 # StringLiteral
  | '[' exprList? ']'                                      # ListLiteral
  | '{' (dictEntry (',' dictEntry)*)? '}'                  # DictLiteral
  | 'aggregate(' selector=expr ',' values=expr (',' fallback=expr)? ')'  # Aggregate
  | 'range(' exprList ')'                                  # Range
  | '[' value=expr 'for' idList 'in' iterable=expr ']'     # ListComp
  | '{' key=expr ':' value=expr 'for' idList 'in' iterable=expr '}'  # DictComp
  | lhs=expr op='in' rhs=expr                              # Binary
  | 'zip(' exprList ')'                                    # Zip
  | 'len(' operand=expr ')'                                # Len
  ;

// Literal tokens above take precedence over ID, so they are keywords.
Float : Digits '.' Digits ;
PosInt : Digits ;
String : '"' ~["\r\n]* '"' ;
Comment : '#' ~[\r\n]* -> channel(HIDDEN) ;
ID : [a-zA-Z_] [a-zA-Z_0-9]* ;
WS : [ \t\r\n]+ -> skip ;

// Malformed lexemes: the parser never expects these, and the front end
// reports each one with its own message.
BadNumber : Digits '.' | '.' Digits | Digits ('.' Digits)? [a-zA-Z_] [a-zA-Z_0-9]* ;
UnterminatedString : '"' ~["\r\n]* ;
SingleQuoted : '\'' ~['\r\n]* '\''? ;
BadChar : . ;

fragment Digits : [0-9]+ ;
