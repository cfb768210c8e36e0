export * from './deployment-window';

export class Hello {
  public sayHello() {
    return 'hello, world!';
  }
}