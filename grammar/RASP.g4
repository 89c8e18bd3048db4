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
// message. Every part the AST needs has a label, because the front end
// parses without building a parse tree (labels are filled in regardless).
// Labels avoid C++ keywords (the C++ target fails on them).
grammar RASP;

program : statement* EOF ;

statement
  : rasp=raspStatement
  | repl=replStatement
  ;

raspStatement
  : value=expr ';'                                         # ExprStatement
  | targets=idList '=' values=exprList ';'                 # AssignStatement
  | 'draw' '(' target=expr (',' input=expr)? ')' ';'       # DrawStatement
  | 'load' fileName=String ';'                             # LoadStatement
  | 'def' name=ID '(' params=idList? ')' '{' body+=raspStatement* ret=returnStatement '}'  # DefStatement
  | 'for' vars=idList 'in' iterable=expr '{' body+=raspStatement* '}'  # ForStatement
  ;

returnStatement : 'return' values=exprList ';' ;

replStatement
  : 'set' subset=('s-op' | 'selector')? 'example' value=expr  # SetExample
  | 'show' subset=('s-op' | 'selector')? 'example'         # ShowExample
  | subset=('s-op' | 'selector')? 'examples' onOff=('on' | 'off')  # ToggleExamples
  | 'full seq display' onOff=('on' | 'off')                # ToggleFullSeq
  | ('exit' | 'exit()' | 'quit' | 'quit()')                # Exit
  ;

idList : names+=ID (',' names+=ID)* ;
exprList : items+=expr (',' items+=expr)* ;
dictEntry : key=expr ':' value=expr ;

expr
  : '(' inner=expr ')'                                     # Paren
  | base=expr '[' index=expr ']'                           # Index
  | callee=expr '(' args=exprList? ')'                     # Call
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
  | name=ID                                                # Name
  | value=PosInt                                           # IntLiteral
  | value=Float                                            # FloatLiteral
  | value=String                                           # StringLiteral
  | '[' items=exprList? ']'                                # ListLiteral
  | '{' (entries+=dictEntry (',' entries+=dictEntry)*)? '}'  # DictLiteral
  | 'aggregate(' selector=expr ',' values=expr (',' fallback=expr)? ')'  # Aggregate
  | 'range(' args=exprList ')'                             # Range
  | '[' value=expr 'for' vars=idList 'in' iterable=expr ']'  # ListComp
  | '{' key=expr ':' value=expr 'for' vars=idList 'in' iterable=expr '}'  # DictComp
  | lhs=expr op='in' rhs=expr                              # Binary
  | 'zip(' args=exprList ')'                               # Zip
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
